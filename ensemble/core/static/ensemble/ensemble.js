// Ensemble's few lines of script: upload progress, and copying token secrets.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showError(form, message) {
    var box = form.querySelector(".form-errors");
    if (!box) {
      box = document.createElement("div");
      box.className = "form-errors";
      box.setAttribute("role", "alert");
      form.prepend(box);
    }
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = message;
    box.appendChild(p);
  }

  // Uploads go through XMLHttpRequest so the page can show how far the bytes have got.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("upload-form") || !window.FormData) return;
    event.preventDefault();
    var fileInput = form.querySelector("input[type=file]");
    var file = fileInput && fileInput.files[0];
    var max = parseInt(form.dataset.maxBytes || "0", 10);
    if (!file) { showError(form, "Choose a file to upload."); return; }
    if (max && file.size > max) {
      showError(form, "That file is too large: the limit is " + (max / 1073741824).toFixed(1) + " GB.");
      return;
    }
    var progress = form.querySelector(".progress");
    var bar = progress.querySelector("progress");
    var label = progress.querySelector(".progress-label");
    var button = form.querySelector("button[type=submit]");
    progress.hidden = false;
    button.disabled = true;

    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.floor((e.loaded / e.total) * 100);
      bar.value = percent;
      label.textContent = percent < 100 ? percent + "%" : "Checking the file…";
    });
    xhr.addEventListener("load", function () {
      var target = xhr.getResponseHeader("HX-Redirect");
      if (target) { window.location.assign(target); return; }
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (type.indexOf("application/json") === 0) {
        var detail = "The upload failed.";
        try { detail = JSON.parse(xhr.responseText).detail || detail; } catch (e) { /* keep default */ }
        progress.hidden = true; button.disabled = false;
        showError(form, detail);
        return;
      }
      var wrapper = document.createElement("div");
      wrapper.innerHTML = xhr.responseText;
      var fresh = wrapper.querySelector("form");
      if (fresh) { form.replaceWith(fresh); } else {
        progress.hidden = true; button.disabled = false;
        showError(form, "The upload failed (" + xhr.status + "). Please try again.");
      }
    });
    xhr.addEventListener("error", function () {
      progress.hidden = true; button.disabled = false;
      showError(form, "The connection was lost during the upload. Please try again.");
    });
    xhr.send(new FormData(form));
  });

  document.addEventListener("click", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-copy") && navigator.clipboard) {
      navigator.clipboard.writeText(el.textContent.trim());
      el.classList.add("copied");
    }
  });

  // ---- Players: quality selector, storyboard previews on the scrubber, audio waveforms ----

  function parseTime(text) {
    var parts = text.trim().split(":").map(parseFloat);
    return parts.reduce(function (total, part) { return total * 60 + part; }, 0);
  }

  function loadStoryboard(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (vtt) {
      var cues = [];
      var blocks = vtt.split(/\n\s*\n/);
      blocks.forEach(function (block) {
        var lines = block.trim().split("\n");
        var timing = lines.findIndex(function (l) { return l.indexOf("-->") !== -1; });
        if (timing === -1 || !lines[timing + 1]) return;
        var span = lines[timing].split("-->");
        var target = lines[timing + 1].trim();
        var hash = target.split("#xywh=");
        if (hash.length !== 2) return;
        var xywh = hash[1].split(",").map(Number);
        cues.push({
          start: parseTime(span[0]), end: parseTime(span[1]),
          url: new URL(hash[0], new URL(url, window.location.href)).href,
          x: xywh[0], y: xywh[1], w: xywh[2], h: xywh[3]
        });
      });
      return cues;
    });
  }

  function formatTime(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function setupVideo(wrap) {
    var video = wrap.querySelector("video");
    var quality = wrap.querySelector("[data-quality]");
    var scrubber = wrap.querySelector("[data-scrubber]");
    if (!video) return;
    if (quality) {
      quality.addEventListener("change", function () {
        var at = video.currentTime, playing = !video.paused;
        video.src = quality.value;
        video.addEventListener("loadedmetadata", function once() {
          video.removeEventListener("loadedmetadata", once);
          video.currentTime = at;
          if (playing) video.play();
        });
      });
    }
    if (!scrubber) return;
    var fill = scrubber.querySelector(".scrubber-fill");
    var preview = scrubber.querySelector(".scrubber-preview");
    var tile = scrubber.querySelector(".scrubber-tile");
    var label = scrubber.querySelector(".scrubber-time");
    var cues = [];
    if (video.dataset.storyboard) {
      loadStoryboard(video.dataset.storyboard).then(function (found) { cues = found; scrubber.dataset.cues = String(found.length); });
    }
    video.addEventListener("timeupdate", function () {
      if (video.duration) fill.style.width = (100 * video.currentTime / video.duration) + "%";
    });
    function timeAt(event) {
      var box = scrubber.getBoundingClientRect();
      var fraction = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
      return { fraction: fraction, time: fraction * (video.duration || 0), box: box };
    }
    scrubber.addEventListener("mousemove", function (event) {
      var at = timeAt(event);
      var cue = cues.find(function (c) { return at.time >= c.start && at.time < c.end; }) || cues[cues.length - 1];
      preview.hidden = false;
      label.textContent = formatTime(at.time);
      if (cue) {
        tile.style.width = cue.w + "px";
        tile.style.height = cue.h + "px";
        tile.style.backgroundImage = "url('" + cue.url + "')";
        tile.style.backgroundPosition = (-cue.x) + "px " + (-cue.y) + "px";
        tile.hidden = false;
      }
      var half = (preview.offsetWidth || 160) / 2;
      preview.style.left = Math.min(Math.max(at.fraction * at.box.width - half, 0), at.box.width - 2 * half) + "px";
    });
    scrubber.addEventListener("mouseleave", function () { preview.hidden = true; });
    scrubber.addEventListener("click", function (event) {
      var at = timeAt(event);
      if (video.duration) video.currentTime = at.time;
    });
  }

  function setupWaveform(stage) {
    var canvas = stage.querySelector("canvas[data-peaks]");
    var audio = stage.querySelector("audio");
    if (!canvas || !audio) return;
    var peaks = null;
    function draw() {
      if (!peaks) return;
      var ratio = window.devicePixelRatio || 1;
      var width = canvas.clientWidth * ratio, height = canvas.clientHeight * ratio;
      canvas.width = width; canvas.height = height;
      var ctx = canvas.getContext("2d");
      var data = peaks.data || [];
      var pairs = data.length / 2, scale = peaks.bits === 8 ? 128 : 32768;
      var played = audio.duration ? audio.currentTime / audio.duration : 0;
      var style = getComputedStyle(document.documentElement);
      ctx.clearRect(0, 0, width, height);
      for (var x = 0; x < width; x++) {
        var i = Math.floor(x / width * pairs);
        var low = data[2 * i] / scale, high = data[2 * i + 1] / scale;
        ctx.fillStyle = x / width < played ? style.getPropertyValue("--accent") : "#d9c8b4";
        var top = height / 2 - high * height / 2, bottom = height / 2 - low * height / 2;
        ctx.fillRect(x, top, 1, Math.max(bottom - top, 1));
      }
    }
    fetch(canvas.dataset.peaks, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (json) {
      peaks = json; canvas.dataset.drawn = "true"; draw();
    });
    audio.addEventListener("timeupdate", draw);
    window.addEventListener("resize", draw);
    canvas.addEventListener("click", function (event) {
      var box = canvas.getBoundingClientRect();
      if (audio.duration) audio.currentTime = (event.clientX - box.left) / box.width * audio.duration;
    });
  }

  function setupPlayers() {
    document.querySelectorAll("[data-player]").forEach(setupVideo);
    document.querySelectorAll("[data-audio]").forEach(setupWaveform);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupPlayers);
  } else {
    setupPlayers();
  }

  // Lineage picture: start with the record itself in view; "Fit to screen" shows it all.
  function setupLineage() {
    document.querySelectorAll("[data-lineage-canvas]").forEach(function (canvas) {
      var svg = canvas.querySelector("svg");
      if (!svg) return;
      var x = parseFloat(svg.getAttribute("data-focus-x") || "0");
      var y = parseFloat(svg.getAttribute("data-focus-y") || "0");
      canvas.scrollLeft = Math.max(0, x - canvas.clientWidth / 2);
      canvas.scrollTop = Math.max(0, y - canvas.clientHeight / 2);
    });
    document.querySelectorAll("[data-lineage-fit]").forEach(function (button) {
      var canvas = document.querySelector("[data-lineage-canvas]");
      if (!canvas) return;
      // only when the picture is larger than its frame
      if (canvas.scrollWidth <= canvas.clientWidth && canvas.scrollHeight <= canvas.clientHeight) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var fit = canvas.classList.toggle("lineage-fit");
        button.setAttribute("aria-pressed", fit ? "true" : "false");
        button.textContent = fit ? "Actual size" : "Fit to screen";
      });
    });
    if (document.querySelector(".lin-tree")) {
      window.addEventListener("hashchange", openTarget);
      openTarget();
    }
  }
  // A link to a record inside a closed branch of the lineage lists opens the branch.
  function openTarget() {
    var target = location.hash.length > 1 ? document.getElementById(location.hash.slice(1)) : null;
    if (!target || !target.closest(".lin-tree")) return;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    target.scrollIntoView({block: "center"});
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupLineage);
  } else {
    setupLineage();
  }
})();
