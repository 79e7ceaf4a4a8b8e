// Collaboration pages: live deadline countdowns, the deadline in the visitor's own time, the
// brief form's time zone and resolution presets, and curation moves that show refusals in place.
(function () {
  "use strict";

  function plural(count, word) { return count + " " + word + (count === 1 ? "" : "s"); }

  // Mirrors the `countdown` template filter, so the first paint and the live text agree.
  function countdownText(deadline) {
    var seconds = Math.floor((deadline.getTime() - Date.now()) / 1000);
    if (seconds <= 0) return "the deadline has passed";
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var text;
    if (days) text = plural(days, "day") + (hours ? " " + plural(hours, "hour") : "");
    else if (hours) text = plural(hours, "hour") + (minutes ? " " + plural(minutes, "minute") : "");
    else if (minutes) text = plural(minutes, "minute");
    else text = "less than a minute";
    return "closes in " + text;
  }

  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var deadline = new Date(el.getAttribute("datetime"));
      if (isNaN(deadline)) return;
      el.textContent = countdownText(deadline);
      el.classList.toggle("countdown-over", deadline.getTime() <= Date.now());
    });
  }

  function browserZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; }
  }

  function showLocalTimes() {
    var zone = browserZone();
    document.querySelectorAll("[data-local-time]").forEach(function (el) {
      var moment = new Date(el.getAttribute("data-local-time"));
      if (isNaN(moment) || !zone || zone === el.getAttribute("data-zone")) return;
      var text = new Intl.DateTimeFormat(undefined, {
        weekday: "short", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit"
      }).format(moment);
      el.textContent = "Your time: " + text + " (" + zone.replace(/_/g, " ") + ")";
      el.hidden = false;
    });
  }

  // A new brief's time zone starts as the browser's own (UTC without script).
  function defaultZone() {
    var zone = browserZone();
    document.querySelectorAll("select[data-zone-auto]").forEach(function (select) {
      if (zone && select.querySelector('option[value="' + zone + '"]')) select.value = zone;
    });
  }

  // Width and height are asked for only with the "Custom" resolution.
  function resolutionPresets() {
    var row = document.querySelector("[data-custom-resolution]");
    if (!row) return;
    var radios = document.querySelectorAll("input[name=resolution]");
    function sync() {
      var chosen = document.querySelector("input[name=resolution]:checked");
      var custom = chosen && chosen.value === "custom";
      var failed = row.querySelector(".field-error");
      row.hidden = !(custom || failed);
    }
    radios.forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  }

  // htmx leaves 4xx answers unswapped; on the board they carry the card with the refusal.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var board = event.detail.target && event.detail.target.closest("[data-swap-errors]");
    if (!board || xhr.status < 400 || xhr.status >= 500) return;
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("text/html") === 0) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    var message = "That did not work (" + xhr.status + ").";
    try { message = JSON.parse(xhr.responseText).detail || message; } catch (e) { /* keep it */ }
    var box = board.querySelector(".board-message");
    if (box) { box.textContent = message; box.hidden = false; }
  });

  function setup() {
    tick();
    setInterval(tick, 30000);
    showLocalTimes();
    defaultZone();
    resolutionPresets();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
