// Every page: what the live call page kept on this device is sent when the
// server can be reached, and the page can be installed and opened offline.
// The live call page is made for a phone mid-call. Without script every form
// still posts and comes back to the page; with it:
// - the timers run;
// - a save does not reload the page: what was tapped is kept on this device
//   first (each with an id made here, so sending it twice cannot record it
//   twice, and the time it happened), then sent in order; while the server
//   cannot be reached it waits here, and the page says so;
// - one event form is open at a time, and opening one puts the cursor in it.
(function () {
  "use strict";
  var KEPT = "casefile-waiting";
  var RETRY_MS = 3000;

  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    document.querySelectorAll("output[data-start]").forEach(function (el) {
      var start = Number(el.getAttribute("data-start"));
      if (!start) { return; }
      var s = Math.max(0, Math.floor((Date.now() - start) / 1000));
      var text = pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
      el.textContent = el.classList.contains("hold") ? "on hold " + text : text;
    });
  }
  tick();
  setInterval(tick, 1000);

  function waiting() {
    try { return JSON.parse(localStorage.getItem(KEPT) || "[]"); } catch (e) { return []; }
  }
  function keep(list) {
    try { localStorage.setItem(KEPT, JSON.stringify(list)); return true; } catch (e) { return false; }
  }

  // An entry id made here: random, in the form the server reads (a UUID).
  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // Whose session this page is (on a server with accounts): what one person
  // kept is never sent under another's sign-in on a shared device.
  function owner() {
    var el = document.querySelector("form.who span");
    return el ? el.textContent : "";
  }
  function mine() {
    var me = owner();
    return waiting().filter(function (w) { return (w.owner || "") === me; });
  }

  function csrf() {
    var el = document.querySelector("input[name=csrf]");
    return el ? el.value : "";
  }

  // What a tap was, in a few words, for the list of what is waiting.
  function describe(form) {
    var s = form.closest("details");
    var what = s ? s.querySelector("summary").textContent : form.querySelector("button").textContent;
    var first = form.querySelector("input:not([type=hidden]), textarea");
    var text = first && first.value ? ": " + first.value.slice(0, 40) : "";
    return what.trim() + text;
  }

  var problem = "";
  function say() {
    var el = document.getElementById("waiting");
    if (!el) { return; }
    var list = mine();
    var parts = [];
    var others = waiting().length - list.length;
    if (list.length) {
      parts.push(list.length + (list.length === 1 ? " thing" : " things") + " kept on this device, not yet saved: " +
        list.map(function (w) { return w.what; }).join("; ") + ".");
    }
    if (others > 0) { parts.push(others + " kept for another sign-in; they are sent when it signs in here."); }
    if (problem) { parts.push(problem); }
    el.textContent = parts.join(" ");
    el.classList.toggle("shown", parts.length > 0);
  }

  var sending = false;
  var timer = null;
  function later() {
    if (!timer) { timer = setTimeout(function () { timer = null; send(); }, RETRY_MS); }
  }

  // Sends what waits, oldest first, one at a time, so they land in order.
  function send() {
    if (sending) { return; }
    var list = mine();
    if (!list.length) { say(); return; }
    sending = true;
    var w = list[0];
    var body = w.body + "&csrf=" + encodeURIComponent(csrf());
    fetch(w.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        sending = false;
        if (r.ok && j.saved !== undefined) {
          drop(w.key);
          problem = "";
          if (!mine().length) { refresh(); }
          send();
        } else if (r.status === 422 || r.status === 404) {
          // The server read it and refused it: sending again would not help.
          drop(w.key);
          problem = "Not saved: " + w.what + ". " + (j.error || "");
          refresh();
          send();
        } else {
          problem = r.status === 401 || r.status === 403
            ? "Sign in again to send what is waiting; it stays on this device until then."
            : "The server could not save it just now (" + (j.error || r.status) + "); trying again.";
          say();
          later();
        }
      });
    }, function () {
      sending = false;
      problem = "No connection to casefile; trying again every few seconds.";
      say();
      later();
    });
  }

  function drop(key) {
    keep(waiting().filter(function (w) { return w.key !== key; }));
  }

  // The parts of the page that follow the call, read again and swapped in
  // place, so the scroll position and anything typed elsewhere stay.
  // Answers can come back out of order (one tap's refresh slow, the next
  // one's quick): an answer older than one already shown is dropped, or it
  // would put back a moment that has passed.
  var asked = 0;
  var shown = 0;
  // The buttons were left as they were (a form open): brought up to date
  // when the form closes.
  var eventsBehind = false;
  function refresh() {
    if (!document.getElementById("moment")) { return; }
    var n = ++asked;
    fetch(location.pathname + location.search, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html || n < shown) { return; }
        shown = n;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        if (!fresh.getElementById("moment")) { location.reload(); return; }
        document.querySelectorAll("[data-live]").forEach(function (el) {
          if (el.id === "events") {
            eventsBehind = busy(el);
            if (eventsBehind) { return; }
          }
          var next = fresh.getElementById(el.id);
          if (next) { el.replaceWith(document.importNode(next, true)); }
        });
        fresh.querySelectorAll("[data-live]").forEach(function (el) {
          if (!document.getElementById(el.id)) {
            var log = document.getElementById("log");
            if (log) { log.before(document.importNode(el, true)); }
          }
        });
        tick();
        say();
      })
      .catch(function () {});
  }

  // A form open or typed in is left as it is: swapped for a fresh copy, an
  // open form would close under the thumb and take the cursor with it.
  function busy(events) {
    if (events.querySelector("details[open]")) { return true; }
    return Array.prototype.some.call(events.querySelectorAll("input:not([type=hidden]), textarea"), function (f) {
      return f.value && f.value !== f.defaultValue;
    });
  }

  // `toggle` does not bubble: heard on its way down.
  document.addEventListener("toggle", function (ev) {
    var events = document.getElementById("events");
    if (eventsBehind && events && events.contains(ev.target) && !busy(events)) { refresh(); }
  }, true);

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.classList.contains("tap") || !document.getElementById("moment")) { return; }
    var data = new URLSearchParams(new FormData(form));
    data.delete("csrf");
    var key = newId();
    data.set("key", key);
    data.set("at_ms", String(Date.now()));
    var list = waiting();
    list.push({ key: key, owner: owner(), url: form.getAttribute("action") || location.pathname, body: data.toString(), what: describe(form) });
    if (!keep(list)) { return; } // storage full or off: let the form post itself
    ev.preventDefault();
    form.reset();
    var d = form.closest("details");
    if (d) { d.open = false; }
    inView();
    say();
    send();
  });

  // The event buttons, just below the moment (which stays on top), so the
  // next tap is where the thumb is.
  function inView() {
    var m = document.getElementById("moment");
    var e = document.getElementById("events");
    if (!m || !e) { return; }
    var gap = e.getBoundingClientRect().top - m.getBoundingClientRect().bottom;
    if (gap < 0 || gap > window.innerHeight / 2) { window.scrollBy(0, gap - 8); }
  }

  // One event form open at a time (for browsers without exclusive details),
  // with the cursor in its first field.
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (!(d instanceof HTMLDetailsElement) || !d.open) { return; }
    document.querySelectorAll("details[name=event][open]").forEach(function (o) { if (o !== d) { o.open = false; } });
    d.scrollIntoView({ block: "nearest" });
    var first = d.querySelector("input:not([type=hidden]), textarea, select");
    if (first) { first.focus({ preventScroll: true }); }
  }, true);

  // A page to print has a button for it (it needs script, so it shows with it).
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });

  window.addEventListener("online", send);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { send(); } });
  say();
  send();

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
  }
})();
