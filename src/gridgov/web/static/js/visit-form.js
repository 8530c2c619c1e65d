// The visit form (templates/contacts/visit_form.html): without a connection the visit is
// kept as a draft by the offline queue (report-queue.js) and sent, with its idempotency
// key, when the connection returns; the form then starts a new visit with a new key.
(function () {
  "use strict";

  function newKey(form) {
    var field = form.querySelector("[data-idempotency-key]");
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    field.value = Array.prototype.map
      .call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); })
      .join("");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-visit-form]");
    if (!form) {
      return;
    }
    // A copy opened offline (the service worker's) carries the key it was served with:
    // every visit begins with a key of its own.
    newKey(form);
    form.addEventListener("submit", function (event) {
      if (navigator.onLine || !window.indexedDB || !window.gridgov.reportQueue) {
        return; // sent as a plain form; its idempotency key makes a resend harmless
      }
      event.preventDefault();
      window.gridgov.reportQueue.save(form).then(function () {
        form.reset();
        newKey(form);
        return window.gridgov.reportQueue.show();
      });
    });
  });
})();
