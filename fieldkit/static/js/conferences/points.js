// Fast tagging: tick all points of a group at once; with points ticked, the number keys 1–9
// put the numbered tag on them (the same as pressing its button).
(function () {
  "use strict";
  var form = document.getElementById("points-form");
  if (!form) return;
  form.querySelectorAll(".select-all").forEach(function (box) {
    box.addEventListener("change", function () {
      var table = box.closest("table");
      table.querySelectorAll('input[name="point"]').forEach(function (b) { b.checked = box.checked; });
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type === "text"))) return;
    var button = form.querySelector('button[data-key="' + event.key + '"]');
    if (!button) return;
    if (!form.querySelector('input[name="point"]:checked')) return;
    event.preventDefault();
    button.click();
  });
})();
