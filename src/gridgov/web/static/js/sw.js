// gridgov's service worker: keeps the shell's static files (styles, scripts, icons) so the
// pages open fast on a poor signal. Pages themselves always come from the network (they
// are personal and must be current), except the report form and "my reports": the last
// copy of those is kept so a villager without signal can still open the form and leave a
// report waiting (static/js/report-queue.js keeps it in IndexedDB and sends it later).
"use strict";

var CACHE = "gridgov-shell-v6";
var SHELL = [
  "/static/css/app.css",
  "/static/js/app.js",
  "/static/vendor/htmx/htmx.min.js",
  "/static/icons/icon.svg",
  "/static/icons/icon-192.png",
  // The case pages (web/routes/cases.py, report.py).
  "/static/css/cases.css",
  "/static/js/report.js",
  "/static/js/report-queue.js",
  "/static/js/case-map.js",
  "/static/vendor/leaflet/leaflet.js",
  "/static/vendor/leaflet/leaflet.css",
  // The visit form (web/routes/visits.py).
  "/static/css/contacts.css",
  "/static/js/visit-form.js",
  // The roll-call page (web/routes/roll_calls.py): one-tap confirmation without signal.
  "/static/css/rollcalls.css",
  "/static/css/maps.css",
  "/static/js/rollcall.js",
  "/static/js/chat.js",
  "/static/js/map.js",
];
// Pages whose last copy opens offline (network first); forgotten at sign-out.
var PAGES = "gridgov-pages-v1";
var OFFLINE_PAGES = ["/report", "/my-reports", "/visits/new"];
// A roll-call's page too (its last copy: a unit leader taps without signal).
var OFFLINE_PATTERNS = [/^\/roll-calls\/[0-9a-f]+$/];

function keptOffline(pathname) {
  return OFFLINE_PAGES.indexOf(pathname) !== -1 ||
    OFFLINE_PATTERNS.some(function (pattern) { return pattern.test(pathname); });
}

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
            return (
              (name.indexOf("gridgov-shell-") === 0 && name !== CACHE) ||
              (name.indexOf("gridgov-pages-") === 0 && name !== PAGES)
            );
          })
          .map(function (name) {
            return caches.delete(name);
          })
      );
    })
  );
});

// The report form and "my reports": from the network, and its last copy when offline.
function offlinePage(event, url) {
  event.respondWith(
    fetch(event.request)
      .then(function (response) {
        if (response.ok && !response.redirected && url.search === "") {
          var copy = response.clone();
          caches.open(PAGES).then(function (cache) {
            cache.put(url.pathname, copy);
          });
        }
        return response;
      })
      .catch(function (failure) {
        return caches.match(url.pathname, { cacheName: PAGES }).then(function (cached) {
          if (cached) {
            return cached;
          }
          throw failure;
        });
      })
  );
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method === "POST" && url.origin === self.location.origin &&
      url.pathname === "/signout") {
    event.waitUntil(caches.delete(PAGES)); // another person may sign in on this phone
    return;
  }
  if (request.method !== "GET") {
    return;
  }
  if (url.origin === self.location.origin && request.mode === "navigate" &&
      keptOffline(url.pathname)) {
    offlinePage(event, url);
    return;
  }
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
