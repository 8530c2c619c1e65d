// gridgov's service worker: keeps the shell's static files (styles, scripts, icons) so the
// pages open fast on a poor signal. Pages themselves always come from the network (they
// are personal and must be current). The cases page adds its offline report queue later.
"use strict";

var CACHE = "gridgov-shell-v1";
var SHELL = [
  "/static/css/app.css",
  "/static/js/app.js",
  "/static/vendor/htmx/htmx.min.js",
  "/static/icons/icon.svg",
  "/static/icons/icon-192.png",
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(SHELL);
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names
          .filter(function (name) {
            return name.indexOf("gridgov-shell-") === 0 && name !== CACHE;
          })
          .map(function (name) {
            return caches.delete(name);
          })
      );
    })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/static/") !== 0) {
    return;
  }
  // Stale-while-revalidate for static files: the cached copy now, a fresh one for next time.
  event.respondWith(
    caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (cached) {
        var fresh = fetch(request)
          .then(function (response) {
            if (response.ok) {
              cache.put(request, response.clone());
            }
            return response;
          })
          .catch(function () {
            return cached;
          });
        return cached || fresh;
      });
    })
  );
});
