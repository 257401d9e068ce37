// Compilation and sending run as background jobs: poll the job's progress, reload when done.
// On the send page, the link's lifetime is shown only when sending by link.
(function () {
  "use strict";

  function followJob() {
    var box = document.getElementById("job-status");
    if (!box || box.dataset.finished === "yes") return;
    var bar = document.getElementById("job-progress");
    function poll() {
      fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          if (bar && job.percent !== null) bar.value = job.percent;
          if (job.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 500);
  }

  function lifetimeOnlyForLinks() {
    var lifetime = document.getElementById("link_days");
    var choices = document.querySelectorAll("input[name='method']");
    if (!lifetime || !choices.length) return;
    var wrapper = lifetime.closest(".field") || lifetime;
    function update() {
      var chosen = document.querySelector("input[name='method']:checked");
      wrapper.hidden = !chosen || chosen.value !== "link";
    }
    choices.forEach(function (choice) { choice.addEventListener("change", update); });
    update();
  }

  followJob();
  lifetimeOnlyForLinks();
})();
