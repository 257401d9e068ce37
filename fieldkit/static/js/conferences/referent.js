/* The referent's tablet: points per task, slides, minutes, photos.
 *
 * Every change is an operation put in a queue kept in localStorage, shown at once on the page
 * and sent to the server within a second; when the network is gone the queue waits and is sent
 * when it returns. The server is the authority: its answer (or a poll every few seconds) gives
 * the state, and the operations still queued are applied on top of it.
 */
(function () {
  "use strict";
  var root = document.getElementById("referent");
  if (!root) return;
  var api = root.dataset.api;
  var groupId = root.dataset.groupId;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var msg = document.getElementById("messages").dataset;
  var statusEl = document.getElementById("save-status");
  var QUEUE_KEY = "fieldkit.referent." + groupId + ".queue";
  var SEQ_KEY = "fieldkit.referent." + groupId + ".seq";

  var server = null; // the last state the server gave
  var view = null; // server state with the queued operations applied
  var queue = load(QUEUE_KEY, []);
  queue.forEach(function (op) { delete op.inflight; });
  var seq = load(SEQ_KEY, 0);
  var sending = false;
  var offline = false;
  var flushTimer = null;
  var editTimers = {};
  var undoKey = null;
  var photosWaiting = 0; // photos stored on the tablet until the network is back
  var lastSaved = null;

  function load(key, fallback) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch (e) {
      return fallback;
    }
  }
  function persist() {
    try {
      window.localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
      window.localStorage.setItem(SEQ_KEY, JSON.stringify(seq));
    } catch (e) { /* storage full or blocked: the queue still lives in memory */ }
  }
  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID().replace(/-/g, "");
    var a = new Uint8Array(16);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // --- the model: server state + queued operations ----------------------------------------

  function clone(x) { return JSON.parse(JSON.stringify(x)); }
  function pointByKey(state, key) {
    for (var i = 0; i < state.points.length; i++) if (state.points[i].key === key) return state.points[i];
    return null;
  }
  function livePoints(state, taskId) {
    return state.points.filter(function (p) { return p.task_id === taskId && !p.deleted; })
      .sort(function (a, b) { return a.position - b.position; });
  }
  function applyLocal(state, op) {
    var p = op.key ? pointByKey(state, op.key) : null;
    switch (op.op) {
      case "create":
        if (!p) {
          var pos = state.points.filter(function (x) { return x.task_id === op.task_id; }).length;
          state.points.push({ key: op.key, task_id: op.task_id, position: 1e6 + pos, text: op.text,
            original_text: op.text, justification: "", for_plenum: false, version: 1,
            deleted: false, conflicts: [] });
        }
        break;
      case "update":
        if (p) {
          ["text", "justification", "for_plenum"].forEach(function (f) { if (f in op) p[f] = op[f]; });
          p.version = op.base_version + 1;
        }
        break;
      case "delete": if (p && !p.deleted) { p.deleted = true; p.version += 1; } break;
      case "restore": if (p && p.deleted) { p.deleted = false; p.version += 1; } break;
      case "move":
        if (p) {
          var others = livePoints(state, p.task_id).filter(function (x) { return x.key !== p.key; });
          others.splice(Math.max(0, Math.min(op.index, others.length)), 0, p);
          others.forEach(function (x, i) { x.position = i; });
        }
        break;
      case "merge":
        var s = pointByKey(state, op.source);
        if (p && s) {
          p.text = p.text + " / " + s.text;
          p.justification = [p.justification, s.justification].filter(Boolean).join(" / ");
          p.for_plenum = p.for_plenum || s.for_plenum;
          p.version += 1;
          s.deleted = true;
          s.merged = true;
        }
        break;
      case "resolve":
        if (p) {
          var c = p.conflicts.filter(function (x) { return x.id === op.conflict_id; })[0];
          if (c && op.use) { p.text = c.text; p.justification = c.justification; p.version += 1; }
          p.conflicts = p.conflicts.filter(function (x) { return x.id !== op.conflict_id; });
        }
        break;
      case "phase": state.group.phase = op.phase; break;
      case "minutes": state.group.minutes = op.text; state.group.minutes_version = op.base_version + 1; break;
      case "resolve_minutes":
        if (state.group.minutes_conflict !== null && op.use) {
          state.group.minutes = state.group.minutes_conflict;
          state.group.minutes_version += 1;
        }
        state.group.minutes_conflict = null;
        break;
      case "roles": state.group.referent = op.referent; state.group.chair = op.chair; break;
    }
  }
  function rebuild() {
    if (!server) return;
    view = clone(server);
    queue.forEach(function (op) { applyLocal(view, op); });
    view.points = view.points.filter(function (p) { return !p.merged; });
    render();
  }

  // --- queue and sending ------------------------------------------------------------------

  function enqueue(op) {
    // Versions of queued operations follow from the view (which has them applied), so edits
    // made while offline apply one after the other on the server. A newer minutes, roles or
    // phase change replaces an unsent older one (keeping the version it was based on).
    if (op.op === "minutes" || op.op === "roles" || op.op === "phase") {
      for (var i = queue.length - 1; i >= 0; i--) {
        var q = queue[i];
        if (q.op === op.op && !q.inflight) {
          if (op.op === "minutes") op.base_version = q.base_version;
          queue.splice(i, 1);
          break;
        }
      }
    }
    seq += 1;
    op.id = seq;
    queue.push(op);
    persist();
    rebuild();
    showStatus();
    schedule();
  }
  function schedule(delay) {
    if (flushTimer) window.clearTimeout(flushTimer);
    flushTimer = window.setTimeout(flush, delay === undefined ? 250 : delay);
  }
  function showStatus() {
    var waiting = queue.length + photosWaiting;
    var text, state;
    if (!waiting && !sending) {
      text = msg.saved + (lastSaved ? " " + lastSaved.toLocaleTimeString("nb-NO") : "");
      state = "saved";
      offline = false;
    }
    else if (offline) { text = msg.offline.replace("COUNT", waiting); state = "offline"; }
    else if (sending) { text = msg.saving; state = "saving"; }
    else { text = msg.pending.replace("COUNT", waiting); state = "pending"; }
    statusEl.textContent = text;
    statusEl.dataset.state = state;
  }
  function notice(text) {
    var box = document.getElementById("notices");
    var p = el("p", { className: "notice" }, text);
    box.appendChild(p);
    window.setTimeout(function () { p.remove(); }, 15000);
  }
  function post(url, body) {
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
  }
  function flush() {
    flushTimer = null;
    if (sending || !queue.length) { showStatus(); return; }
    sending = true;
    var batch = queue.slice(0, 200);
    batch.forEach(function (op) { op.inflight = true; });
    showStatus();
    var ops = batch.map(function (op) {
      var copy = clone(op); delete copy.inflight; return copy;
    });
    post(api + "ops", { ops: ops }).then(function (response) {
      if (response.status === 403) { window.location.reload(); throw new Error("revoked"); }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      offline = false;
      var done = {};
      data.results.forEach(function (r) {
        done[r.id] = true;
        var op = batch.filter(function (o) { return o.id === r.id; })[0];
        if (r.ok || !op) return;
        if (r.error === "locked") notice(msg.locked + " " + (op.text || ""));
        else if (r.error === "invalid" || r.error === "not_found") notice(msg.invalid + " " + r.message);
      });
      queue = queue.filter(function (op) { return !done[op.id]; });
      lastSaved = new Date();
      queue.forEach(function (op) { delete op.inflight; });
      persist();
      server = data.state;
      sending = false;
      rebuild();
      if (queue.length) schedule(0);
      showStatus();
    }).catch(function () {
      queue.forEach(function (op) { delete op.inflight; });
      persist();
      sending = false;
      offline = true;
      showStatus();
      schedule(3000);
    });
  }
  function poll() {
    if (sending || queue.length) return;
    window.fetch(api + "state", { credentials: "same-origin" }).then(function (r) {
      if (r.status === 403) { window.location.reload(); return null; }
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data || sending || queue.length) return;
      offline = false;
      server = data;
      rebuild();
      showStatus();
    }).catch(function () { offline = true; showStatus(); });
  }
  window.addEventListener("online", function () { offline = false; schedule(0); });
  window.addEventListener("offline", function () { offline = true; showStatus(); });

  // --- rendering --------------------------------------------------------------------------

  function render() {
    var locked = view.group.state === "handed_in";
    root.classList.toggle("is-locked", locked);
    document.getElementById("locked-note").hidden = !locked;
    var structuring = view.group.phase === "structuring";
    root.classList.toggle("is-structuring", structuring);
    document.querySelectorAll(".phase-button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.phase === view.group.phase));
      b.disabled = locked;
    });
    document.getElementById("phase-hint-brainstorming").hidden = structuring;
    document.getElementById("phase-hint-structuring").hidden = !structuring;
    document.querySelectorAll(".add-point input, .add-point button").forEach(function (x) { x.disabled = locked; });
    document.getElementById("hand-in").disabled = locked;
    view.tasks.forEach(function (task) { renderTask(task, locked, structuring); });
    renderSlides();
    setIfIdle(document.getElementById("minutes"), view.group.minutes);
    var conflict = view.group.minutes_conflict;
    document.getElementById("minutes-conflict").hidden = conflict === null || conflict === undefined;
    document.getElementById("minutes-theirs").textContent = conflict || "";
    setIfIdle(document.getElementById("role-referent"), view.group.referent);
    setIfIdle(document.getElementById("role-chair"), view.group.chair);
    renderPhotos();
  }
  function setIfIdle(input, value) {
    if (document.activeElement !== input && input.dataset.dirty !== "1" && input.value !== value) input.value = value;
  }
  function renderTask(task, locked, structuring) {
    var list = document.querySelector('ol.points[data-task-id="' + task.id + '"]');
    var points = livePoints(view, task.id);
    var existing = {};
    Array.prototype.forEach.call(list.children, function (li) { existing[li.dataset.key] = li; });
    points.forEach(function (p, index) {
      var li = existing[p.key] || buildPoint(p);
      delete existing[p.key];
      updatePoint(li, p, index, points.length, locked, structuring);
      if (list.children[index] !== li) list.insertBefore(li, list.children[index] || null);
    });
    Object.keys(existing).forEach(function (k) { existing[k].remove(); });
  }
  function buildPoint(p) {
    var li = el("li", { className: "point" });
    li.dataset.key = p.key;
    var id = "pt-" + p.key;
    var label = el("label", { className: "visually-hidden", for: id });
    var text = el("textarea", { id: id, className: "point-text", rows: "1", maxlength: "2000" });
    var just = el("input", { type: "text", className: "point-justification", maxlength: "2000", id: id + "-j" });
    var justLabel = el("label", { for: id + "-j", className: "justification-label" }, msg.justification);
    var plenumLabel = el("label", { className: "plenum-toggle" });
    var plenum = el("input", { type: "checkbox", className: "point-plenum" });
    plenumLabel.appendChild(plenum);
    plenumLabel.appendChild(document.createTextNode(" " + msg.plenum));
    var actions = el("div", { className: "point-actions" });
    var up = el("button", { type: "button", className: "icon-button up" }, "↑");
    var down = el("button", { type: "button", className: "icon-button down" }, "↓");
    var merge = el("button", { type: "button", className: "icon-button merge" }, msg.merge);
    var del = el("button", { type: "button", className: "icon-button delete" }, msg.delete);
    [up, down, merge, del].forEach(function (b) { actions.appendChild(b); });
    var structure = el("div", { className: "point-structure" });
    structure.appendChild(justLabel);
    structure.appendChild(just);
    structure.appendChild(plenumLabel);
    var conflicts = el("div", { className: "point-conflicts" });
    [label, text, structure, actions, conflicts].forEach(function (x) { li.appendChild(x); });

    text.addEventListener("input", function () { text.dataset.dirty = "1"; editSoon(li, "text", text); autosize(text); });
    text.addEventListener("blur", function () { commitEdit(li, "text", text); });
    text.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); text.blur(); }
    });
    just.addEventListener("input", function () { just.dataset.dirty = "1"; editSoon(li, "justification", just); });
    just.addEventListener("blur", function () { commitEdit(li, "justification", just); });
    plenum.addEventListener("change", function () {
      var p = pointByKey(view, li.dataset.key);
      enqueue({ op: "update", key: p.key, base_version: p.version, for_plenum: plenum.checked });
    });
    up.addEventListener("click", function () { move(li.dataset.key, -1); });
    down.addEventListener("click", function () { move(li.dataset.key, 1); });
    merge.addEventListener("click", function () { mergeUp(li.dataset.key); });
    del.addEventListener("click", function () { remove(li.dataset.key); });
    return li;
  }
  function updatePoint(li, p, index, count, locked, structuring) {
    var text = li.querySelector(".point-text");
    li.querySelector("label.visually-hidden").textContent = msg.edit + " " + (index + 1);
    setIfIdle(text, p.text);
    autosize(text);
    text.readOnly = locked;
    var just = li.querySelector(".point-justification");
    setIfIdle(just, p.justification);
    just.readOnly = locked;
    var plenum = li.querySelector(".point-plenum");
    plenum.checked = p.for_plenum;
    plenum.disabled = locked;
    li.classList.toggle("for-plenum", p.for_plenum);
    var n = " " + (index + 1);
    var up = li.querySelector(".up"), down = li.querySelector(".down");
    up.setAttribute("aria-label", msg.up + n); down.setAttribute("aria-label", msg.down + n);
    up.disabled = locked || index === 0; down.disabled = locked || index === count - 1;
    var merge = li.querySelector(".merge");
    merge.disabled = locked || index === 0;
    merge.setAttribute("aria-label", msg.merge + n);
    var del = li.querySelector(".delete");
    del.disabled = locked;
    del.setAttribute("aria-label", msg.delete + n);
    var box = li.querySelector(".point-conflicts");
    box.textContent = "";
    p.conflicts.forEach(function (c) {
      var div = el("div", { className: "conflict" });
      div.appendChild(el("p", {}, msg.conflict));
      div.appendChild(el("p", { className: "conflict-text" }, c.text));
      var use = el("button", { type: "button", className: "button" }, msg.use);
      var keep = el("button", { type: "button", className: "button secondary" }, msg.keep);
      use.addEventListener("click", function () { enqueue({ op: "resolve", key: p.key, conflict_id: c.id, use: true }); });
      keep.addEventListener("click", function () { enqueue({ op: "resolve", key: p.key, conflict_id: c.id, use: false }); });
      div.appendChild(use); div.appendChild(keep);
      box.appendChild(div);
    });
  }
  function autosize(textarea) {
    textarea.style.height = "auto";
    textarea.style.height = textarea.scrollHeight + 4 + "px";
  }
  function editSoon(li, field, input) {
    var k = li.dataset.key + field;
    if (editTimers[k]) window.clearTimeout(editTimers[k]);
    editTimers[k] = window.setTimeout(function () { commitEdit(li, field, input); }, 800);
  }
  function commitEdit(li, field, input) {
    var k = li.dataset.key + field;
    if (editTimers[k]) { window.clearTimeout(editTimers[k]); delete editTimers[k]; }
    if (input.dataset.dirty !== "1") return;
    input.dataset.dirty = "";
    var p = pointByKey(view, li.dataset.key);
    var value = input.value.trim();
    if (!p || p[field] === value || (field === "text" && !value)) return;
    var op = { op: "update", key: p.key, base_version: p.version };
    op[field] = value;
    enqueue(op);
  }
  function move(key, delta) {
    var p = pointByKey(view, key);
    var points = livePoints(view, p.task_id);
    var index = points.indexOf(p) + delta;
    if (index < 0 || index >= points.length) return;
    enqueue({ op: "move", key: key, index: index });
    var li = document.querySelector('li.point[data-key="' + key + '"] .' + (delta < 0 ? "up" : "down"));
    if (li && !li.disabled) li.focus();
    else if (li) li.parentNode.querySelector("button:not([disabled])").focus();
  }
  function mergeUp(key) {
    var p = pointByKey(view, key);
    var points = livePoints(view, p.task_id);
    var above = points[points.indexOf(p) - 1];
    if (!above) return;
    enqueue({ op: "merge", key: above.key, source: key, base_version: above.version, source_version: p.version });
  }
  function remove(key) {
    enqueue({ op: "delete", key: key });
    undoKey = key;
    var box = document.getElementById("notices");
    box.textContent = "";
    var p = el("p", { className: "notice undo" }, msg.deleted + " ");
    var undo = el("button", { type: "button", className: "button small", id: "undo-delete" }, msg.undo);
    undo.addEventListener("click", function () {
      if (undoKey) enqueue({ op: "restore", key: undoKey });
      undoKey = null;
      p.remove();
    });
    p.appendChild(undo);
    box.appendChild(p);
    undo.focus();
    window.setTimeout(function () { if (p.parentNode) p.remove(); }, 20000);
  }
  function renderSlides() {
    var box = document.getElementById("slide-preview");
    box.textContent = "";
    box.appendChild(el("p", { className: "slide-group" }, view.group.name));
    view.tasks.forEach(function (task) {
      var section = el("section", { className: "slide-task" });
      section.appendChild(el("h3", {}, msg.task + " " + task.number + ": " + task.text));
      var marked = livePoints(view, task.id).filter(function (p) { return p.for_plenum; });
      if (!marked.length) section.appendChild(el("p", { className: "slide-empty" }, msg.emptyTask));
      var ul = el("ul");
      marked.forEach(function (p) {
        var li = el("li", {}, p.text);
        if (p.justification) li.appendChild(el("span", { className: "slide-justification" }, p.justification));
        ul.appendChild(li);
      });
      if (marked.length) section.appendChild(ul);
      box.appendChild(section);
    });
  }
  function renderPhotos() {
    var box = document.getElementById("photo-list");
    var have = Array.prototype.map.call(box.querySelectorAll("img"), function (i) { return i.dataset.id; }).join(",");
    var want = view.photos.map(function (p) { return String(p.id); }).join(",");
    if (have === want) return;
    box.textContent = "";
    view.photos.forEach(function (p, i) {
      var img = el("img", { src: api.replace(/api\/$/, "") + "photos/" + p.id + "/thumb", alt: msg.photo + " " + (i + 1) });
      img.dataset.id = String(p.id);
      box.appendChild(img);
    });
  }

  // --- controls ---------------------------------------------------------------------------

  document.querySelectorAll(".add-point").forEach(function (form) {
    var input = form.querySelector("input");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      enqueue({ op: "create", key: newKey(), task_id: Number(form.dataset.taskId), text: text });
      input.value = "";
      input.focus();
    });
  });
  document.querySelectorAll(".phase-button").forEach(function (b) {
    b.addEventListener("click", function () { enqueue({ op: "phase", phase: b.dataset.phase }); });
  });
  document.querySelectorAll(".tab").forEach(function (tab) {
    tab.addEventListener("click", function () {
      document.querySelectorAll(".tab").forEach(function (t) {
        t.setAttribute("aria-pressed", String(t === tab));
        document.getElementById("tab-" + t.dataset.tab).hidden = t !== tab;
      });
    });
  });
  var minutes = document.getElementById("minutes");
  var minutesTimer = null;
  function saveMinutes() {
    if (minutesTimer) { window.clearTimeout(minutesTimer); minutesTimer = null; }
    minutes.dataset.dirty = "";
    if (minutes.value === view.group.minutes) return;
    enqueue({ op: "minutes", text: minutes.value, base_version: view.group.minutes_version });
  }
  minutes.addEventListener("input", function () {
    minutes.dataset.dirty = "1";
    if (minutesTimer) window.clearTimeout(minutesTimer);
    minutesTimer = window.setTimeout(saveMinutes, 1000);
  });
  minutes.addEventListener("blur", function () { if (minutes.dataset.dirty === "1") saveMinutes(); });
  document.getElementById("minutes-use").addEventListener("click", function () {
    enqueue({ op: "resolve_minutes", use: true });
  });
  document.getElementById("minutes-keep").addEventListener("click", function () {
    enqueue({ op: "resolve_minutes", use: false });
  });
  ["role-referent", "role-chair"].forEach(function (id) {
    var input = document.getElementById(id);
    input.addEventListener("input", function () { input.dataset.dirty = "1"; });
    input.addEventListener("change", function () {
      document.getElementById("role-referent").dataset.dirty = "";
      document.getElementById("role-chair").dataset.dirty = "";
      enqueue({ op: "roles", referent: document.getElementById("role-referent").value,
                chair: document.getElementById("role-chair").value });
    });
  });
  var handIn = document.getElementById("hand-in");
  var confirmBox = document.getElementById("hand-in-confirm");
  handIn.addEventListener("click", function () { confirmBox.hidden = false; document.getElementById("hand-in-yes").focus(); });
  document.getElementById("hand-in-no").addEventListener("click", function () { confirmBox.hidden = true; handIn.focus(); });
  document.getElementById("hand-in-yes").addEventListener("click", function () {
    confirmBox.hidden = true;
    // Hand in only what the server has: send the queue first.
    var tries = 0;
    (function attempt() {
      if (queue.length && tries++ < 20) { schedule(0); window.setTimeout(attempt, 500); return; }
      if (queue.length) { notice(msg.pending.replace("COUNT", queue.length)); return; }
      post(api + "hand-in", {}).then(function (r) { return r.json(); }).then(function (data) {
        server = data.state; rebuild();
      }).catch(function () { offline = true; showStatus(); notice(msg.offline.replace("COUNT", "1")); });
    })();
  });
  // Photos taken without network wait in IndexedDB (too large for localStorage) and are sent
  // when the network is back.
  var photoStatus = document.getElementById("photo-status");
  function photoDb() {
    return new Promise(function (resolve, reject) {
      var request = window.indexedDB.open("fieldkit-referent-photos", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("photos", { autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function withPhotos(mode, work) {
    return photoDb().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction("photos", mode);
        var result = work(tx.objectStore("photos"));
        tx.oncomplete = function () { database.close(); resolve(result); };
        tx.onerror = function () { database.close(); reject(tx.error); };
      });
    });
  }
  function waitingPhotos() {
    return withPhotos("readonly", function (store) {
      var found = [];
      store.openCursor().onsuccess = function (event) {
        var cursor = event.target.result;
        if (!cursor) return;
        if (cursor.value.group === groupId) found.push({ key: cursor.key, file: cursor.value.file, name: cursor.value.name });
        cursor.continue();
      };
      return found;
    });
  }
  function uploadPhoto(file, name) {
    var data = new window.FormData();
    data.append("photo", file, name);
    return window.fetch(api + "photos", {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf }, body: data,
    }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); });
  }
  function photoDone(result) {
    if (!result.ok) { photoStatus.textContent = result.body.message; return; }
    photoStatus.textContent = msg.uploaded;
    if (!queue.length && !sending) { server = result.body.state; rebuild(); }
  }
  var sendingPhotos = false;
  function sendWaitingPhotos() {
    if (sendingPhotos || !window.indexedDB) return;
    sendingPhotos = true;
    waitingPhotos().then(function (photos) {
      photosWaiting = photos.length;
      showStatus();
      return photos.reduce(function (chain, photo) {
        return chain.then(function () {
          return uploadPhoto(photo.file, photo.name).then(function (result) {
            photoDone(result);
            return withPhotos("readwrite", function (store) { store.delete(photo.key); });
          }).then(function () { photosWaiting -= 1; showStatus(); });
        });
      }, Promise.resolve());
    }).catch(function () { offline = true; showStatus(); })
      .then(function () { sendingPhotos = false; });
  }
  var photoForm = document.getElementById("photo-form");
  photoForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var input = document.getElementById("photo-input");
    if (!input.files.length) return;
    var file = input.files[0];
    photoStatus.textContent = msg.uploading;
    uploadPhoto(file, file.name).then(function (result) {
      photoDone(result);
      if (result.ok) input.value = "";
    }).catch(function () {
      if (!window.indexedDB) { photoStatus.textContent = msg.photoOffline; return; }
      withPhotos("readwrite", function (store) {
        store.add({ group: groupId, file: file, name: file.name });
      }).then(function () {
        input.value = "";
        photosWaiting += 1;
        offline = true;
        photoStatus.textContent = msg.photoQueued;
        showStatus();
      }).catch(function () { photoStatus.textContent = msg.photoOffline; });
    });
  });
  window.addEventListener("online", sendWaitingPhotos);
  window.setInterval(sendWaitingPhotos, 5000);
  sendWaitingPhotos();
  var timerButton = document.getElementById("timer-button");
  var timerEl = document.getElementById("timer");
  var timerHandle = null;
  timerButton.addEventListener("click", function () {
    if (timerHandle) { window.clearInterval(timerHandle); timerHandle = null; timerEl.textContent = ""; return; }
    var end = Date.now() + 5 * 60 * 1000;
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      timerEl.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      if (!left) { window.clearInterval(timerHandle); timerHandle = null; timerEl.textContent = msg.timerDone; }
    }
    tick();
    timerHandle = window.setInterval(tick, 1000);
  });

  // --- start --------------------------------------------------------------------------------
  window.fetch(api + "state", { credentials: "same-origin" }).then(function (r) { return r.json(); })
    .then(function (data) { server = data; rebuild(); showStatus(); if (queue.length) schedule(0); })
    .catch(function () { offline = true; showStatus(); });
  window.setInterval(poll, 3000);
  window.setInterval(function () { if (queue.length && !sending) flush(); }, 5000);
})();
