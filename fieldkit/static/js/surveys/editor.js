// Questionnaire editor, progressive enhancement only: an "add a line" button under each table
// of choices, rows or columns, so that more lines can be added without saving first. Without
// JavaScript the tables keep their blank lines and saving offers new ones.
"use strict";

document.querySelectorAll("table.editor-lines[data-add-label]").forEach((table) => {
  const body = table.tBodies[0];
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button secondary small add-line";
  button.textContent = table.dataset.addLabel;
  button.addEventListener("click", () => {
    const index = body.rows.length;
    const line = body.rows[index - 1].cloneNode(true);
    line.querySelectorAll("input, select, label").forEach((element) => {
      for (const attribute of ["id", "name", "for"]) {
        const value = element.getAttribute(attribute);
        if (value) element.setAttribute(attribute, value.replace(/-\d+-/, `-${index}-`));
      }
      if (element.tagName === "LABEL") {
        element.textContent = element.textContent.replace(/\d+/, String(index + 1));
      } else if (element.type === "checkbox") {
        element.checked = false;
      } else if (element.tagName === "INPUT") {
        element.value = "";
      }
      element.removeAttribute("aria-invalid");
    });
    body.appendChild(line);
    line.querySelector("input, select").focus();
  });
  table.closest(".table-scroll").after(button);
});
