// Shows the progress of a background job (a mailing, the reading of an uploaded file); reloads when done.
(function () {
  "use strict";
  document.querySelectorAll(".job-progress[data-job-url]").forEach(function (box) {
    var bar = box.querySelector("progress");
    var text = box.querySelector(".job-message");
    function poll() {
      fetch(box.dataset.jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          bar.value = job.percent || 0;
          text.textContent = (job.done || 0) + " / " + (job.total || "?");
          if (job.finished) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    poll();
  });
})();
