/* Drag and drop on the groups page: names shown as cards in group columns; dropping a card in
 * another column changes the participant's group in the form below (saved with the button). */
(function () {
  "use strict";
  var board = document.getElementById("group-board");
  var table = document.getElementById("assign-table");
  if (!board || !table) return;
  board.classList.add("is-active");
  var rows = table.querySelectorAll("tbody tr");
  function place() {
    board.querySelectorAll(".member-list").forEach(function (ul) { ul.textContent = ""; });
    rows.forEach(function (row) {
      var select = row.querySelector("select");
      var ul = board.querySelector('.member-list[data-group-id="' + select.value + '"]');
      var li = document.createElement("li");
      li.className = "member-card";
      li.draggable = true;
      li.dataset.participantId = row.dataset.participantId;
      li.textContent = row.cells[0].textContent;
      ul.appendChild(li);
    });
  }
  board.addEventListener("dragstart", function (e) {
    var card = e.target.closest(".member-card");
    if (card) e.dataTransfer.setData("text/plain", card.dataset.participantId);
  });
  board.addEventListener("dragover", function (e) {
    if (e.target.closest(".group-column")) e.preventDefault();
  });
  board.addEventListener("drop", function (e) {
    var column = e.target.closest(".group-column");
    if (!column) return;
    e.preventDefault();
    var id = e.dataTransfer.getData("text/plain");
    var select = document.getElementById("p" + id);
    if (select) { select.value = column.dataset.groupId; place(); }
  });
  table.addEventListener("change", place);
  place();
})();
