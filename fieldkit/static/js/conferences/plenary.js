/* The plenary view: one handed-in group's slides at a time, in programme order. Arrow keys,
 * Page Up/Down (what presentation clickers send) and space move between groups; the list is
 * polled so that groups appear as they hand in. No names are ever part of the data. */
(function () {
  "use strict";
  var root = document.getElementById("plenary");
  if (!root) return;
  var msg = document.getElementById("plenary-messages").dataset;
  var slide = document.getElementById("slide");
  var position = document.getElementById("position");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var groups = [];
  var current = 0;
  var shownId = null;
  var shownSignature = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function render() {
    if (!groups.length) { position.textContent = ""; return; }
    current = Math.max(0, Math.min(current, groups.length - 1));
    var g = groups[current];
    var signature = JSON.stringify(g);
    position.textContent = (current + 1) + " " + msg.of + " " + groups.length;
    if (shownId === g.id && shownSignature === signature) return;
    shownId = g.id;
    shownSignature = signature;
    slide.textContent = "";
    var head = el("header", "slide-head");
    head.appendChild(el("p", "slide-round", g.round));
    head.appendChild(el("h2", "slide-title", g.name));
    slide.appendChild(head);
    g.tasks.forEach(function (task) {
      var section = el("section", "slide-task");
      section.appendChild(el("h3", "", msg.task + " " + task.number + ": " + task.text));
      if (!task.points.length) section.appendChild(el("p", "slide-empty", msg.emptyTask));
      var ul = el("ul");
      task.points.forEach(function (p) {
        var li = el("li", "", p.text);
        if (p.justification) li.appendChild(el("span", "slide-justification", p.justification));
        ul.appendChild(li);
      });
      if (task.points.length) section.appendChild(ul);
      slide.appendChild(section);
    });
  }
  function go(delta) { current += delta; render(); }
  function load() {
    window.fetch(root.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var id = groups.length ? groups[current].id : null;
        groups = data.groups;
        var again = groups.map(function (g) { return g.id; }).indexOf(id);
        if (again >= 0) current = again;
        render();
      }).catch(function () {});
  }
  document.addEventListener("keydown", function (e) {
    if (e.target.closest && e.target.closest("textarea, input")) return;
    if (["ArrowRight", "PageDown", " ", "ArrowDown"].indexOf(e.key) >= 0) { e.preventDefault(); go(1); }
    if (["ArrowLeft", "PageUp", "ArrowUp"].indexOf(e.key) >= 0) { e.preventDefault(); go(-1); }
  });
  document.getElementById("next").addEventListener("click", function () { go(1); });
  document.getElementById("prev").addEventListener("click", function () { go(-1); });
  document.getElementById("fullscreen").addEventListener("click", function () {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (root.requestFullscreen) root.requestFullscreen();
  });
  var panel = document.getElementById("note-panel");
  var toggle = document.getElementById("note-toggle");
  toggle.addEventListener("click", function () {
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) document.getElementById("note-input").focus();
  });
  panel.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!groups.length) return;
    var input = document.getElementById("note-input");
    var status = document.getElementById("note-status");
    var url = root.dataset.noteUrl.replace("/groups/0/", "/groups/" + groups[current].id + "/");
    window.fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ text: input.value }),
    }).then(function (r) {
      if (!r.ok) throw new Error();
      input.value = "";
      status.textContent = msg.saved;
    }).catch(function () { status.textContent = msg.failed; });
  });
  load();
  window.setInterval(load, 4000);
})();
