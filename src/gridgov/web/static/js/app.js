// The shell's script (no inline script anywhere: the pages' CSP forbids it).
// - htmx sends the page's CSRF token (from <meta name="csrf-token">) on every request;
// - the service worker is registered where the browser allows it (a secure context);
// - an htmx error answer is swapped in like a page, so its message is seen;
// - a form with data-confirm-text asks the native confirm() before it is sent.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 403 || status === 404 || status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A form with data-confirm-text (an action that ends something: an all-clear, a close)
  // asks first; cancelled, it is not sent.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var text = form && form.getAttribute ? form.getAttribute("data-confirm-text") : null;
      if (text && !window.confirm(text)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  window.gridgov = window.gridgov || {};
  window.gridgov.csrfToken = csrfToken;

  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
        // An app that cannot install still works online: nothing to report.
      });
    });
  }
})();
