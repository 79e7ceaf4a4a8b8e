// Production pages: the cut editor (drag to reorder, trim previews, crossfade fields, bed volume),
// refusals shown in place, the render panel, and live release countdowns. Without script every
// control is a plain form and the page still works.
(function () {
  "use strict";

  // ---- Release countdowns: mirrors the `release_countdown` template filter. ----
  function plural(count, word) { return count + " " + word + (count === 1 ? "" : "s"); }
  function countdownText(moment) {
    var seconds = Math.floor((moment.getTime() - Date.now()) / 1000);
    if (seconds <= 0) return "now";
    var days = Math.floor(seconds / 86400), hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    if (days) return plural(days, "day") + (hours ? " " + plural(hours, "hour") : "");
    if (hours) return plural(hours, "hour") + (minutes ? " " + plural(minutes, "minute") : "");
    if (minutes) return plural(minutes, "minute");
    return plural(seconds, "second");
  }
  function tick() {
    document.querySelectorAll("[data-release-countdown]").forEach(function (el) {
      var moment = new Date(el.getAttribute("datetime"));
      if (isNaN(moment)) return;
      var prefix = el.textContent.indexOf("in ") === 0 ? "in " : "";
      el.textContent = prefix + countdownText(moment);
    });
  }

  // ---- Refusals: htmx leaves 4xx answers unswapped; ours carry the editor with the message. ----
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var target = event.detail.target;
    var zone = target && target.closest && target.closest("[data-swap-errors]");
    if (!zone || xhr.status < 400 || xhr.status >= 500) return;
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("text/html") === 0) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    var message = "That did not work (" + xhr.status + ").";
    try { message = JSON.parse(xhr.responseText).detail || message; } catch (e) { /* keep it */ }
    var box = document.getElementById("cut-message");
    if (box) {
      box.innerHTML = "";
      var div = document.createElement("div");
      div.className = "form-errors";
      div.setAttribute("role", "alert");
      var p = document.createElement("p");
      p.textContent = message;
      div.appendChild(p);
      box.appendChild(div);
    }
  });

  // ---- Drag and drop: a clip card onto another card's place posts the new order. ----
  var dragged = null;
  function cardOf(node) { return node && node.closest ? node.closest(".clip-card") : null; }
  document.addEventListener("dragstart", function (event) {
    var handle = event.target.closest && event.target.closest("[data-drag]");
    if (!handle) return;
    dragged = cardOf(handle);
    dragged.classList.add("clip-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.index);
  });
  document.addEventListener("dragover", function (event) {
    var card = cardOf(event.target);
    if (!dragged || !card || card === dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".clip-drop-before, .clip-drop-after").forEach(function (el) {
      el.classList.remove("clip-drop-before", "clip-drop-after");
    });
    var from = parseInt(dragged.dataset.index, 10), over = parseInt(card.dataset.index, 10);
    card.classList.add(over < from ? "clip-drop-before" : "clip-drop-after");
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("clip-dragging");
    dragged = null;
    document.querySelectorAll(".clip-drop-before, .clip-drop-after").forEach(function (el) {
      el.classList.remove("clip-drop-before", "clip-drop-after");
    });
  });
  document.addEventListener("drop", function (event) {
    var card = cardOf(event.target);
    if (!dragged || !card || card === dragged) return;
    event.preventDefault();
    var editor = card.closest("[data-cut-editor]");
    var from = dragged.dataset.index, to = card.dataset.index;
    var token = editor.querySelector("input[name=csrfmiddlewaretoken]");
    editor.classList.add("editor-busy");
    window.htmx.ajax("POST", editor.dataset.moveUrl, {
      source: editor, target: "#cut-editor", swap: "outerHTML",
      values: { from: from, to: to, revision: editor.dataset.revision },
      headers: { "X-CSRFToken": token ? token.value : "" }
    });
  });

  // ---- Trim: the preview seeks to the in or out point as the numbers change. ----
  function trimParts(node) {
    var form = node.closest("[data-trim]");
    if (!form) return null;
    return {
      form: form, video: form.querySelector("video"),
      start: form.querySelector("[data-trim-in]"), end: form.querySelector("[data-trim-out]")
    };
  }
  function seek(video, value) {
    var at = parseFloat(value);
    if (!video || isNaN(at)) return;
    video.pause();
    video.currentTime = Math.max(0, at);
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches("[data-trim-in], [data-trim-out]")) {
      var parts = trimParts(el);
      if (parts) seek(parts.video, el.value);
    }
    if (el.matches("[data-volume]")) {
      var out = el.parentNode.querySelector("[data-volume-out]");
      if (out) out.textContent = parseFloat(el.value).toFixed(2);
    }
  });
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.classList || !details.classList.contains("trim") || !details.open) return;
    var parts = trimParts(details.querySelector("[data-trim]"));
    if (parts && parts.video) {
      var go = function () { seek(parts.video, parts.start.value); };
      if (parts.video.readyState >= 1) go(); else parts.video.addEventListener("loadedmetadata", go, { once: true });
    }
  }, true);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-trim-play]");
    if (!button) return;
    var parts = trimParts(button);
    if (!parts || !parts.video) return;
    var start = parseFloat(parts.start.value) || 0, end = parseFloat(parts.end.value);
    var video = parts.video;
    video.currentTime = start;
    var stop = function () {
      if (!isNaN(end) && video.currentTime >= end) { video.pause(); video.removeEventListener("timeupdate", stop); }
    };
    video.addEventListener("timeupdate", stop);
    video.play();
  });

  // ---- Transitions: the seconds field only matters for a crossfade. ----
  function syncTransition(form) {
    var select = form.querySelector("select[name=transition]");
    var seconds = form.querySelector(".join-seconds");
    if (select && seconds) seconds.hidden = select.value !== "crossfade";
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("[data-transition]");
    if (form) syncTransition(form);
  });
  function setupEditor(root) {
    (root || document).querySelectorAll("[data-transition]").forEach(syncTransition);
  }
  document.addEventListener("htmx:afterSettle", function () { setupEditor(document); });

  function setup() {
    tick();
    setInterval(tick, 1000);
    setupEditor(document);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
