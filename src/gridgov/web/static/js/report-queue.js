// The offline report queue: a report made without a connection is kept as a draft (its
// fields and photo) in IndexedDB, shown as "waiting to send", and sent when the
// connection returns, with the idempotency key the form gave it, so a retry after a lost
// answer never makes a second case (or visit). Used by the report form, "my reports" and
// the visit form (a draft is posted back to the form it came from: its ``url``).
(function () {
  "use strict";

  var DB_NAME = "gridgov-reports";
  var STORE = "drafts";
  var sending = false;

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () {
          db.close();
          resolve(result && "result" in result ? result.result : undefined);
        };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function allDrafts() {
    return withStore("readonly", function (store) { return store.getAll(); });
  }

  // A draft: {key, url, fields: [[name, value]...], photo: Blob|null, photoName, at, status}.
  function saveDraft(form) {
    var data = new FormData(form);
    var fields = [];
    var photo = null;
    var photoName = "";
    data.forEach(function (value, name) {
      if (name === "csrf_token") {
        return;
      }
      if (typeof value === "string") {
        fields.push([name, value]);
      } else if (value && value.size > 0) {
        photo = value;
        photoName = value.name || "photo";
      }
    });
    var draft = {
      key: data.get("idempotency_key"),
      url: form.getAttribute("action") || "/report",
      fields: fields,
      photo: photo,
      photoName: photoName,
      at: new Date().toISOString(),
      status: "waiting",
    };
    return withStore("readwrite", function (store) { store.put(draft); }).then(function () {
      return draft;
    });
  }

  function removeDraft(key) {
    return withStore("readwrite", function (store) { store.delete(key); });
  }

  function markDraft(draft, status) {
    draft.status = status;
    return withStore("readwrite", function (store) { store.put(draft); });
  }

  function message(name) {
    var template = document.querySelector('[data-drafts] template[data-message="' + name + '"]');
    return template ? template.content.textContent.trim() : name;
  }

  function describe(draft) {
    var text = "";
    draft.fields.forEach(function (pair) {
      if (pair[0] === "description" || pair[0] === "matters_text") {
        text = pair[1];
      }
    });
    return text.length > 40 ? text.slice(0, 39) + "…" : text;
  }

  function show() {
    var panel = document.querySelector("[data-drafts]");
    if (!panel || !window.indexedDB) {
      return Promise.resolve();
    }
    return allDrafts().then(function (drafts) {
      var list = panel.querySelector("[data-draft-list]");
      list.textContent = "";
      drafts.forEach(function (draft) {
        var item = document.createElement("li");
        item.setAttribute("data-draft", draft.key);
        item.setAttribute("data-status", draft.status);
        var what = document.createElement("span");
        what.textContent = describe(draft);
        var state = document.createElement("strong");
        state.textContent = message(draft.status);
        item.appendChild(what);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(state);
        list.appendChild(item);
      });
      panel.hidden = drafts.length === 0;
    });
  }

  function send(draft) {
    var body = new FormData();
    draft.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    if (draft.photo) {
      body.append("photo", draft.photo, draft.photoName);
    }
    return fetch(draft.url || "/report", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {
        "X-CSRF-Token": window.gridgov.csrfToken(),
        "Idempotency-Key": draft.key,
        // When this phone sends it, by its own clock: a page that took a time on this
        // clock (a roll-call tap's confirmed_at) measures from it, whatever the clock's error.
        "X-Sent-At": new Date().toISOString(),
      },
    }).then(function (response) {
      // The answer (the report's confirmation page, after its redirect) is read to its end
      // before the draft goes, so leaving the page cannot cut it off.
      return response.text().then(function () { return response; }, function () { return response; });
    }).then(function (response) {
      if (response.ok) {
        return removeDraft(draft.key);
      }
      if (response.status >= 400 && response.status < 500) {
        return markDraft(draft, "refused"); // kept: the villager sees it and can redo it
      }
      throw new Error("server answered " + response.status);
    });
  }

  // Send every waiting draft, one after the other; stop at the first network failure.
  function flush() {
    if (sending || !navigator.onLine || !window.indexedDB) {
      return Promise.resolve();
    }
    sending = true;
    return allDrafts()
      .then(function (drafts) {
        var waiting = drafts.filter(function (draft) { return draft.status === "waiting"; });
        return waiting.reduce(function (chain, draft) {
          return chain.then(function () { return send(draft); });
        }, Promise.resolve());
      })
      .catch(function () {
        // Still offline, or the server is away: the drafts stay for the next try.
      })
      .then(function () {
        sending = false;
        document.dispatchEvent(new CustomEvent("gridgov:drafts-flushed"));
        return show();
      });
  }

  window.gridgov = window.gridgov || {};
  window.gridgov.reportQueue = { save: saveDraft, show: show, flush: flush };

  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", function () {
    show().then(flush);
  });
})();
