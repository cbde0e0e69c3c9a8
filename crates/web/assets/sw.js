// casefile's service worker: the app's own files, and the pages of cases
// opened on this device, so a call page still opens when the server cannot
// be reached (what is recorded then waits on the device; see app.js).
// Nothing is fetched from anywhere but this server. Signing out forgets
// every page kept.
"use strict";
var CACHE = "casefile-v1";
var SHELL = ["/assets/app.css", "/assets/app.js", "/assets/icon.svg"];

self.addEventListener("install", function (ev) {
  ev.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (ev) {
  ev.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// Pages worth having offline: the case list and a case's pages.
function kept(url) {
  return url.pathname === "/" || /^\/cases\/[^/]+(\/call)?$/.test(url.pathname);
}

var OFFLINE = "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width, initial-scale=1'>" +
  "<title>Offline · casefile</title><link rel=stylesheet href=/assets/app.css><main><h1>casefile cannot be reached</h1>" +
  "<p>This page was not opened on this device before, so there is no copy of it here. Pages you opened before still open; " +
  "what you record on a call page waits on this device until the server answers.</p><p><a href=/>Cases</a></p></main>";

self.addEventListener("fetch", function (ev) {
  var req = ev.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (req.method === "POST" && url.pathname === "/logout") {
    ev.waitUntil(caches.delete(CACHE));
    return;
  }
  if (req.method !== "GET") { return; }
  if (url.pathname.startsWith("/assets/")) {
    ev.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
    return;
  }
  if (req.mode !== "navigate" && !kept(url)) { return; }
  ev.respondWith(fetch(req).then(function (res) {
    if (res.ok && !res.redirected && kept(url) && url.search === "") {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { c.put(req, copy); });
    }
    return res;
  }, function () {
    return caches.match(req, { ignoreVary: true }).then(function (hit) {
      return hit || (req.mode === "navigate"
        ? new Response(OFFLINE, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } })
        : Response.error());
    });
  }));
});
