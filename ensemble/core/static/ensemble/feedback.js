// Comments on audio and video: a comment's time (and each marker under the player) seeks the
// player and plays; "At the current time" fills a new comment's time from the player.
// Refusals of htmx requests ({"detail": …}) are shown next to the form that was sent.
(function () {
  "use strict";
  if (window.ensembleFeedback) return; // the partial may be swapped in again
  window.ensembleFeedback = true;

  function player(from) {
    var section = from && from.closest ? from.closest("[data-comments]") : null;
    var chosen = section && section.dataset.player;
    return document.querySelector(chosen || "video.player, audio.player");
  }

  // "1:23.4": tenths, so that a short clip's moments are told apart.
  function clock(seconds) {
    var tenths = Math.max(0, Math.round(seconds * 10));
    var minutes = Math.floor(tenths / 600);
    var rest = (tenths - minutes * 600) / 10;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest.toFixed(1);
  }

  function seek(media, seconds) {
    if (!isFinite(seconds)) return;
    media.currentTime = seconds;
    var playing = media.play();
    if (playing && playing.catch) playing.catch(function () { /* autoplay refused: stay */ });
    var box = media.getBoundingClientRect();
    if (box.bottom < 0 || box.top > window.innerHeight) {
      media.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  }

  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-seek]") : null;
    if (!el) return;
    var media = player(el);
    if (!media) return;
    event.preventDefault();
    seek(media, parseFloat(el.dataset.seek));
  });

  function fill(form) {
    var box = form.querySelector("[data-at-current-time]");
    var input = form.querySelector("[data-timecode-input]");
    var media = player(form);
    if (box && box.checked && input && media) input.value = clock(media.currentTime);
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-at-current-time]")) return;
    var form = box.closest("form");
    var input = form && form.querySelector("[data-timecode-input]");
    if (box.checked) { fill(form); } else if (input) { input.value = ""; }
  });
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-timecode-input]")) return;
    var box = input.form && input.form.querySelector("[data-at-current-time]");
    if (box) box.checked = false; // typed by hand: keep what was typed
  });
  // Media events do not bubble, but a listener on the document catches them while capturing.
  document.addEventListener("timeupdate", function () {
    document.querySelectorAll("[data-comment-form]").forEach(fill);
  }, true);
  // Fill once more as the form goes (capturing runs before htmx reads the form).
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("[data-comment-form]")) fill(event.target);
  }, true);

  function showError(form, message) {
    var box = form.querySelector(".form-errors");
    if (!box) {
      box = document.createElement("div");
      box.className = "form-errors";
      box.setAttribute("role", "alert");
      form.prepend(box);
    }
    box.hidden = false;
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = message;
    box.appendChild(p);
  }

  function formOf(elt) {
    if (!elt) return null;
    if (elt.tagName === "FORM") return elt;
    return elt.closest("form");
  }

  document.addEventListener("htmx:responseError", function (event) {
    var form = formOf(event.detail.elt);
    if (!form || !form.closest("[data-comments], .heart-box, .follow, .comment")) return;
    var xhr = event.detail.xhr;
    var message = "That did not work (" + xhr.status + "). Please try again.";
    try { message = JSON.parse(xhr.responseText).detail || message; } catch (e) { /* keep */ }
    showError(form, message);
  });
  document.addEventListener("htmx:sendError", function (event) {
    var form = formOf(event.detail.elt);
    if (form && form.closest("[data-comments]")) {
      showError(form, "The connection was lost. Your text is still here: try again.");
    }
  });
  // After the conversation is swapped in, counts elsewhere on the page follow it.
  document.addEventListener("htmx:afterSettle", function () {
    var count = document.querySelector("#comments-title .count");
    if (!count) return;
    var n = parseInt(count.textContent, 10) || 0;
    document.querySelectorAll("[data-comment-count]").forEach(function (link) {
      link.textContent = n + (n === 1 ? " comment" : " comments");
    });
  });
  // When an edit form opens in place, put the cursor at the end of its text.
  document.addEventListener("htmx:afterSettle", function () {
    var area = document.querySelector(".comment-editing textarea:not([data-focused])");
    if (!area) return;
    area.dataset.focused = "true";
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  });
})();
