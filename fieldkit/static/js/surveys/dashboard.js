// Keep the dashboard live: fetch its body again every 20 seconds while the tab is visible.
(function () {
  "use strict";
  var body = document.getElementById("dashboard-body");
  if (!body || !window.fetch) { return; }
  var url = body.getAttribute("data-refresh");
  function refresh() {
    if (document.hidden) { return; }
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html) { body.innerHTML = html; } })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  window.setInterval(refresh, 20000);
}());
