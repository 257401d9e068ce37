/* Nothing the respondent types is lost.

   While the respondent types, the page's answers are kept in this browser (localStorage) at
   once and sent to the server a moment later (debounced). When the server has them, the copy in
   the browser is dropped. When the connection is down, the page says so calmly, keeps the
   answers, and sends them when the connection is back. Answers kept from an earlier visit
   (a closed tab, a dropped connection) are put back into the page and sent. The thank-you page
   clears every kept answer, so a shared device shows nothing of the previous respondent. */
(function () {
  "use strict";

  var PREFIX = "fieldkit:";
  var DELAY = 1200;
  var RETRY = 8000;

  function storage() {
    try { return window.localStorage; } catch (error) { return null; }
  }

  if (document.querySelector("[data-clear-storage]")) {
    var store = storage();
    if (store) {
      for (var i = store.length - 1; i >= 0; i--) {
        var key = store.key(i);
        if (key && key.indexOf(PREFIX) === 0) { store.removeItem(key); }
      }
    }
    return;
  }

  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-autosave");
  var key = form.getAttribute("data-storage-key");
  var status = document.getElementById("save-status");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var revision = Number(form.getAttribute("data-revision") || "0");
  var responsePrefix = key.slice(0, key.lastIndexOf(":") + 1);
  var timer = null;
  var sending = false;
  var pending = false;

  function say(kind) {
    if (!status) { return; }
    status.textContent = status.getAttribute("data-" + kind) || "";
    status.className = "save-status is-" + kind;
  }

  function pairs() {
    var data = new FormData(form);
    var list = [];
    data.forEach(function (value, name) {
      if (name !== "csrf_token" && typeof value === "string") { list.push([name, value]); }
    });
    return list;
  }

  function keep(submitting) {
    var store = storage();
    if (store) {
      store.setItem(key, JSON.stringify({
        at: Date.now(), pairs: pairs(), base: revision, submitting: !!submitting
      }));
    }
  }

  // A page sent with its form reached the server if the response has been saved since.
  function forgetDelivered() {
    var store = storage();
    if (!store) { return; }
    for (var i = store.length - 1; i >= 0; i--) {
      var name = store.key(i);
      if (!name || name.indexOf(responsePrefix) !== 0) { continue; }
      try {
        var entry = JSON.parse(store.getItem(name));
        if (entry && entry.submitting && entry.base < revision) { store.removeItem(name); }
      } catch (error) { store.removeItem(name); }
    }
  }

  function kept() {
    var store = storage();
    if (!store) { return null; }
    try { return JSON.parse(store.getItem(key) || "null"); } catch (error) { return null; }
  }

  function send() {
    if (sending) { pending = true; return; }
    var entry = kept();
    if (!entry) { return; }
    if (navigator.onLine === false) { say("offline"); return; }
    sending = true;
    say("saving");
    var body = new FormData();
    entry.pairs.forEach(function (pair) { body.append(pair[0], pair[1]); });
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 409) { say("closed"); return null; }
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.json();
    }).then(function (result) {
      sending = false;
      if (result && result.saved) {
        revision = result.revision;
        var now = kept();
        // Drop the copy only if nothing was typed while it was on its way.
        if (now && now.at === entry.at) { storage().removeItem(key); }
        say("saved");
      }
      if (pending) { pending = false; send(); }
    }).catch(function () {
      sending = false;
      say(navigator.onLine === false ? "offline" : "failed");
      window.setTimeout(send, RETRY);
    });
  }

  function changed() {
    keep();
    window.clearTimeout(timer);
    timer = window.setTimeout(send, DELAY);
  }

  function restore(entry) {
    var values = {};
    entry.pairs.forEach(function (pair) {
      (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
    });
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.name === "csrf_token" || input.name.charAt(0) === "_") { return; }
      var wanted = values[input.name] || [];
      if (input.type === "checkbox" || input.type === "radio") {
        input.checked = wanted.indexOf(input.value) !== -1;
      } else if (input.tagName !== "BUTTON") {
        input.value = wanted.length ? wanted[0] : "";
      }
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  forgetDelivered();
  var earlier = kept();
  if (earlier) {
    restore(earlier);
    say("restored");
    send();
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.addEventListener("online", send);
  window.addEventListener("offline", function () { say("offline"); });
  form.addEventListener("submit", function (event) {
    keep(true);
    if (navigator.onLine === false) {
      event.preventDefault();
      say("offline");
    }
  });
}());
