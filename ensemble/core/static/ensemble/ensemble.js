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
})();
