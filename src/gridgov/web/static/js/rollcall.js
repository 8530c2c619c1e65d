// One-tap confirmation on a roll-call's page (templates/rollcalls/page.html). A tap takes
// its time (``confirmed_at``: when the confirmer saw the household) and a fresh idempotency
// key. Without a connection the confirmation is kept by the offline queue (report-queue.js)
// in IndexedDB and posted when the connection returns, with its key in Idempotency-Key and
// the time of the tap: the page derives the confirmation's id from the key, so a resend
// records it once.
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

  function tapped(event) {
    var form = event.target.closest("form[data-tap-form]");
    if (!form) {
      return;
    }
    var now = new Date().toISOString();
    form.querySelector("[data-confirmed-at]").value = now;
    form.querySelector("[data-sent-at]").value = now; // the queue says when it really sends
    if (navigator.onLine || !window.indexedDB || !window.gridgov.reportQueue) {
      return; // sent as a plain form, with the tap's time and its key
    }
    event.preventDefault();
    // The draft keeps the form's fields: the tapped button's status goes in as a field.
    var status = document.createElement("input");
    status.type = "hidden";
    status.name = "status";
    status.value = event.submitter ? event.submitter.value : "";
    form.appendChild(status);
    window.gridgov.reportQueue.save(form).then(function () {
      form.removeChild(status);
      var item = form.closest("[data-tap-household]");
      if (item) item.setAttribute("data-queued", status.value);
      newKey(form);
      return window.gridgov.reportQueue.show();
    });
  }

  // A refused tap answers with the page again (422) at the form's URL: put the URL back on
  // the roll-call (a reload then reads the page, it does not resend) at the household.
  function backOnThePage() {
    var page = document.querySelector("[data-page-url]");
    if (!page || !window.history.replaceState) {
      return;
    }
    var url = page.getAttribute("data-page-url");
    var household = page.getAttribute("data-refused-household");
    if (window.location.pathname !== url) {
      window.history.replaceState(null, "", url + (household ? "#household-" + household : ""));
    }
    var refused = document.querySelector("[data-tap-error]");
    if (refused) {
      refused.scrollIntoView({ block: "center" });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    backOnThePage();
    // A copy opened offline carries the keys it was served with: each tap gets its own.
    Array.prototype.forEach.call(document.querySelectorAll("form[data-tap-form]"), newKey);
    document.addEventListener("submit", tapped);
  });
})();
