/* The live overview: refresh the counts of every group every five seconds. */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) return;
  var status = document.getElementById("live-status");
  function load() {
    window.fetch(root.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.rounds.forEach(function (round) {
          round.groups.forEach(function (g) {
            var row = root.querySelector('tr[data-group-id="' + g.id + '"]');
            if (!row) return;
            var cells = row.querySelectorAll('[data-cell="task"]');
            g.points.forEach(function (n, i) { if (cells[i]) cells[i].textContent = n; });
            row.querySelector('[data-cell="for_plenum"]').textContent = g.for_plenum;
            row.querySelector('[data-cell="photos"]').textContent = g.photos;
            var time = row.querySelector('[data-cell="updated_at"] time');
            if (g.updated_at && time.getAttribute("datetime") !== g.updated_at) {
              time.setAttribute("datetime", g.updated_at);
              time.textContent = new Date(g.updated_at).toLocaleTimeString("nb-NO");
            }
            if (g.handed_in !== (row.querySelector(".badge") !== null)) window.location.reload();
          });
        });
        status.textContent = status.dataset.updated.replace("TIME", new Date().toLocaleTimeString("nb-NO"));
      }).catch(function () {});
  }
  window.setInterval(load, 5000);
})();
