// The progress of a running staff import: asks the API every second how far the job is, moves
// the bar and the text (a polite live region), and reloads the page for the result when done.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box || !window.fetch) return;
  var id = box.getAttribute("data-import-progress");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var nl = document.documentElement.lang !== "en";
  function tick() {
    fetch("/api/v1/imports/" + id + "?rows=none", { credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (imp) {
        if (!imp) return;
        bar.value = imp.processed;
        bar.textContent = Math.floor((imp.processed * 100) / Math.max(imp.total, 1)) + "%";
        text.textContent = imp.processed + (nl ? " van " : " of ") + imp.total + (nl ? " regels verwerkt." : " rows done.");
        if (imp.status === "done") {
          window.location.reload();
        } else {
          setTimeout(tick, 1000);
        }
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 500);
})();
