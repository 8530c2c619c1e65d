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
    var key = form.querySelector("[data-idempotency-key]").value;
    window.gridgov.reportQueue.save(form).then(function () {
      form.removeChild(status);
      var item = form.closest("[data-tap-household]");
      if (item) queued(item, status.value, key);
      newKey(form);
      return window.gridgov.reportQueue.show();
    });
  }

  function message(name) {
    var template = document.querySelector('template[data-rollcall-message="' + name + '"]');
    return template ? template.content.textContent.trim() : "";
  }

  // The card itself says its tap waits to be sent, with the status tapped.
  function queued(item, status, key) {
    item.setAttribute("data-queued", status);
    item.setAttribute("data-queued-key", key);
    var note = item.querySelector("[data-queued-note]");
    if (note) {
      var button = item.querySelector('[data-tap="' + status + '"]');
      note.textContent = (button ? button.textContent.trim() + ": " : "") + message("queued");
      note.hidden = false;
    }
  }

  // After the queue has sent what it could: each card whose tap left the queue is read
  // again from the page (its new status, who, when); a refused one says so.
  function afterFlush() {
    var items = document.querySelectorAll("[data-tap-household][data-queued-key]");
    if (!items.length) return;
    window.gridgov.reportQueue.show().then(function () {
      var sent = [];
      Array.prototype.forEach.call(items, function (item) {
        var draft = document.querySelector(
          '[data-drafts] li[data-draft="' + item.getAttribute("data-queued-key") + '"]'
        );
        if (!draft) {
          sent.push(item);
        } else if (draft.getAttribute("data-status") === "refused") {
          item.querySelector("[data-queued-note]").textContent = message("refused");
        }
      });
      if (sent.length) refreshCards(sent);
    });
  }

  function refreshCards(items) {
    var page = document.querySelector("[data-page-url]");
    var query = items.map(function (item) {
      return "done=" + encodeURIComponent(item.getAttribute("data-tap-household"));
    }).join("&");
    fetch(page.getAttribute("data-page-url") + "?" + query, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        items.forEach(function (item) {
          var card = fresh.getElementById(item.id);
          if (card) {
            item.replaceWith(document.importNode(card, true));
          } else {
            item.removeAttribute("data-queued-key");
            item.querySelector("[data-queued-note]").hidden = true;
          }
        });
        Array.prototype.forEach.call(document.querySelectorAll("form[data-tap-form]"), newKey);
      })
      .catch(function () {
        // The page could not be read: the cards keep saying what was tapped.
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
    var household =
      page.getAttribute("data-refused-household") || page.getAttribute("data-focus-household");
    if (window.location.pathname !== url) {
      window.history.replaceState(null, "", url + (household ? "#household-" + household : ""));
    }
    var refused = document.querySelector("[data-tap-error]");
    if (refused) {
      refused.scrollIntoView({ block: "center" });
    }
    var focus = page.getAttribute("data-focus-household"); // a phone revealed to call
    var call = focus && document.querySelector("#household-" + CSS.escape(focus) + " [data-call]");
    if (call) {
      call.scrollIntoView({ block: "center" });
      call.focus({ preventScroll: true });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    backOnThePage();
    // A copy opened offline carries the keys it was served with: each tap gets its own.
    Array.prototype.forEach.call(document.querySelectorAll("form[data-tap-form]"), newKey);
    document.addEventListener("submit", tapped);
    document.addEventListener("gridgov:drafts-flushed", afterFlush);
  });
})();
