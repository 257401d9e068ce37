// Export progress: poll the job and reload the page when it has finished.
(function () {
  "use strict";
  var status = document.getElementById("export-status");
  if (!status || status.dataset.done === "1") {
    return;
  }
  var bar = status.querySelector("progress");
  function poll() {
    fetch(status.dataset.job, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (job.finished) {
          window.location.reload();
          return;
        }
        if (bar && job.total) {
          bar.max = job.total;
          bar.value = job.done;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
