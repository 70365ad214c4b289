// Uploads on the authoring page: a file goes straight to the object store with the presigned
// request(s) the server hands out (one PUT, or one per part for large files), with a progress
// bar and a cancel button; then the server checks it and the form is sent with the file's id.
(function () {
  "use strict";
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var nl = document.documentElement.lang !== "en";
  var text = {
    busy: nl ? "Bezig met uploaden: " : "Uploading: ",
    done: nl ? "Geüpload en gecontroleerd." : "Uploaded and checked.",
    cancelled: nl ? "Upload geannuleerd." : "Upload cancelled.",
    failed: nl ? "Uploaden mislukt: " : "Upload failed: "
  };
  // The progress seen, kept for the page's session (the tests read it after the form is sent).
  function logProgress(pct) {
    try {
      var log = JSON.parse(sessionStorage.getItem("zkUploadLog") || "[]");
      log.push(pct);
      sessionStorage.setItem("zkUploadLog", JSON.stringify(log));
    } catch (e) { /* storage may be off; the bar still moves */ }
  }

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      if (res.status === 204) return null;
      return res.json().then(function (json) {
        if (!res.ok) throw new Error((json.error && json.error.message) || res.status);
        return json;
      });
    });
  }

  function send(state, request, blob, base, total, progress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      state.xhr = xhr;
      xhr.open(request.method, request.url);
      // The browser sets Content-Length from the body itself (S3 signs it: it must match).
      (request.headers || []).forEach(function (h) {
        if (h[0].toLowerCase() !== "content-length") xhr.setRequestHeader(h[0], h[1]);
      });
      xhr.upload.onprogress = function (e) { progress(base + e.loaded, total); };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.getResponseHeader("ETag") || "");
        else reject(new Error("HTTP " + xhr.status));
      };
      xhr.onerror = function () { reject(new Error(nl ? "netwerkfout" : "network error")); };
      xhr.onabort = function () { reject(new Error("cancelled")); };
      xhr.send(blob);
    });
  }

  function upload(state, input, progress) {
    var file = input.files[0];
    var type = file.type || "application/octet-stream";
    // Windows names a zip application/x-zip-compressed; an e-learning package is a zip.
    if (input.dataset.upload === "package") type = "application/zip";
    var body = { kind: input.dataset.upload, filename: file.name, content_type: type, size: file.size };
    return api("POST", "/api/v1/content/media", body).then(function (ticket) {
      state.media = ticket.id;
      var up = ticket.upload;
      if (up.mode === "single") {
        return send(state, up.request, file, 0, file.size, progress).then(function () {
          return api("POST", "/api/v1/content/media/" + ticket.id + "/confirm", {});
        });
      }
      var parts = [];
      var chain = Promise.resolve();
      up.parts.forEach(function (part, i) {
        chain = chain.then(function () {
          var start = i * up.part_size;
          return send(state, part, file.slice(start, start + up.part_size), start, file.size, progress)
            .then(function (etag) { parts.push({ number: part.number, etag: etag }); });
        });
      });
      return chain.then(function () {
        return api("POST", "/api/v1/content/media/" + ticket.id + "/confirm", { parts: parts });
      });
    });
  }

  document.querySelectorAll("form[data-upload-form]").forEach(function (form) {
    var box = form.querySelector(".upload-status");
    var bar = form.querySelector("[data-progress]");
    var message = form.querySelector("[data-upload-message]");
    var cancel = form.querySelector("[data-upload-cancel]");
    var state = {};
    cancel.addEventListener("click", function () {
      state.cancelled = true;
      if (state.xhr) state.xhr.abort();
      if (state.media) api("DELETE", "/api/v1/content/media/" + state.media).catch(function () {});
      message.textContent = text.cancelled;
    });
    form.addEventListener("submit", function (event) {
      var inputs = Array.prototype.filter.call(form.querySelectorAll("input[type=file][data-upload]"), function (i) {
        return i.files.length && !document.getElementById(i.dataset.target).value;
      });
      if (!inputs.length) return;
      event.preventDefault();
      state.cancelled = false;
      box.hidden = false;
      var submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      var chain = Promise.resolve();
      inputs.forEach(function (input) {
        chain = chain.then(function () {
          if (state.cancelled) throw new Error("cancelled");
          state.media = null;
          var file = input.files[0];
          message.textContent = text.busy + file.name;
          return upload(state, input, function (done, total) {
            var pct = Math.round((done / total) * 100);
            bar.value = pct;
            bar.textContent = pct + "%";
            logProgress(pct);
          }).then(function (media) {
            document.getElementById(input.dataset.target).value = media.id;
          });
        });
      });
      chain.then(function () {
        message.textContent = text.done;
        form.submit();
      }, function (err) {
        submit.disabled = false;
        if (!state.cancelled) message.textContent = text.failed + err.message;
      });
    });
  });
})();
