/* Live skip logic on a questionnaire page rendered by templates/surveys/respond/items/macros.html.

   As the respondent answers, every item with a data-relevant condition is shown or hidden
   (hidden items' inputs are disabled, so they are not sent), the text field of an "other"
   choice opens when the choice is ticked, and the hidden _shown field tells the server what
   the respondent has seen. The answers are read the way fieldkit/surveys/respond/answers.py
   reads them; the server decides again on submit, and the page works without this file. */
(function () {
  "use strict";

  var NUMBER = /^[+-]?\d+(?:[.,]\d+)?$/;
  var DATE_NO = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
  var DATE_ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

  function parseNumber(text, whole) {
    var cleaned = text.replace(/[\s\u00a0\u202f]/g, "").replace(/\u2212/g, "-");
    if (!NUMBER.test(cleaned)) return null;
    var value = Number(cleaned.replace(",", "."));
    if (whole && !Number.isInteger(value)) return null;
    return value;
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) text = "0" + text;
    return text;
  }

  function parseDate(text) {
    var m = DATE_NO.exec(text);
    var year, month, day;
    if (m) {
      day = +m[1]; month = +m[2]; year = +m[3];
    } else {
      m = DATE_ISO.exec(text);
      if (!m) return null;
      year = +m[1]; month = +m[2]; day = +m[3];
    }
    var date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
      return null;
    }
    return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2);
  }

  function controls(element, name) {
    return Array.prototype.filter.call(
      element.querySelectorAll("input, textarea, select"),
      function (input) { return input.name === name; }
    );
  }

  function ticked(element, name) {
    return controls(element, name)
      .filter(function (input) { return input.checked; })
      .map(function (input) { return input.value; });
  }

  function typed(element, name) {
    var found = controls(element, name)[0];
    return found ? found.value.trim() : "";
  }

  /* The answers of one item, as the server would store them. */
  function readItem(element) {
    var type = element.getAttribute("data-type");
    var name = element.getAttribute("data-name");
    var answers = {};
    var names = (element.getAttribute("data-variables") || "").split(" ").filter(Boolean);
    if (type === "single" || type === "multiple" || type === "grid_single" || type === "grid_multiple") {
      names.forEach(function (variable) {
        if (variable.indexOf(".") !== -1) {
          var text = typed(element, variable);
          if (text) answers[variable] = text;
          return;
        }
        var codes = ticked(element, variable);
        if (codes.length) {
          answers[variable] = (type === "multiple" || type === "grid_multiple") ? codes : codes[0];
        }
      });
    } else if (type === "table") {
      var rows = [];
      var filled = false;
      element.querySelectorAll("tbody tr").forEach(function (tr) {
        var row = {};
        tr.querySelectorAll("input").forEach(function (input) {
          var column = input.name.split(".")[2];
          var text = input.value.trim();
          if (!text) return;
          var value = input.classList.contains("number")
            ? parseNumber(text, input.getAttribute("inputmode") === "numeric") : text;
          if (value !== null) { row[column] = value; filled = true; }
        });
        rows.push(row);
      });
      if (filled) answers[name] = rows;
    } else if (type === "integer" || type === "fraction" || type === "decimal") {
      var number = parseNumber(typed(element, name), type !== "decimal");
      if (number !== null) answers[name] = number;
    } else if (type === "date") {
      var iso = parseDate(typed(element, name));
      if (iso) answers[name] = iso;
    } else if (type === "text" || type === "long_text") {
      var text = typed(element, name);
      if (text) answers[name] = text;
    }
    return answers;
  }

  function setShown(element, shown) {
    element.hidden = !shown;
    element.querySelectorAll("input, textarea, select").forEach(function (input) {
      input.disabled = !shown;
    });
  }

  /* The text field of an "other" choice is open only while its choice is ticked. */
  function syncOtherTexts(element) {
    element.querySelectorAll("[data-other-for]").forEach(function (box) {
      var choice = document.getElementById(box.getAttribute("data-other-for"));
      var open = choice && choice.checked && !choice.disabled;
      var input = box.querySelector("input");
      var hasText = input && input.value.trim() !== "";
      var showIt = open || hasText;
      box.hidden = !showIt;
      if (input) input.disabled = !showIt || (choice && choice.disabled);
    });
  }

  /* One pass over every section on the screen, in order, as logic.visibility() does: a
     hidden section or item hides its inputs and its answers count for nothing after it. */
  function update(pages) {
    var logic = window.fieldkitLogic;
    var effective = {};
    pages.forEach(function (page) {
      var prior = JSON.parse(page.getAttribute("data-answers") || "{}");
      Object.keys(prior).forEach(function (key) {
        if (!(key in effective)) effective[key] = prior[key];
      });
    });
    pages.forEach(function (page) {
      var sectionCondition = page.getAttribute("data-section-relevant");
      var sectionShown = !sectionCondition || logic.evaluate(JSON.parse(sectionCondition), effective);
      var shown = [];
      page.querySelectorAll(".item[data-name]").forEach(function (element) {
        var condition = element.getAttribute("data-relevant");
        var visible = sectionShown && (!condition || logic.evaluate(JSON.parse(condition), effective));
        if (visible === element.hidden) setShown(element, visible);
        if (!visible) return;
        shown.push(element.getAttribute("data-name"));
        var answers = readItem(element);
        Object.keys(answers).forEach(function (key) { effective[key] = answers[key]; });
        syncOtherTexts(element);
      });
      page.hidden = !sectionShown;
      var field = page.querySelector("[data-shown-field]");
      if (field) field.value = shown.join(" ");
    });
  }

  /* "Ingen av disse" cannot be combined with other ticks: ticking one clears the others. */
  function keepExclusive(event) {
    var box = event.target;
    if (!box || box.type !== "checkbox" || !box.checked) return;
    var group = document.getElementsByName(box.name);
    Array.prototype.forEach.call(group, function (other) {
      if (other === box || other.type !== "checkbox") return;
      if (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) {
        other.checked = false;
      }
    });
  }

  function start() {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
    var pages = Array.prototype.slice.call(document.querySelectorAll(".questionnaire-page"));
    if (!pages.length) return;
    var run = function () { update(pages); };
    pages.forEach(function (page) {
      page.addEventListener("change", keepExclusive);
      page.addEventListener("change", run);
      page.addEventListener("input", run);
    });
    run();
  }

  window.fieldkitItems = { readItem: readItem, parseDate: parseDate, parseNumber: parseNumber };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
