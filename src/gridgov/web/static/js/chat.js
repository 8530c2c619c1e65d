// The group pages' live side: one WebSocket to /api/v1/events (docs/events.md) per page,
// resumed from the last position seen, and the events applied to the page by fetching the
// server's own fragments (the server renders, translates and escapes; this file only
// decides what to fetch). No inline script: everything is read from data- attributes.
//
//   [data-events-url]            the socket's path ("/api/v1/events"), on <body>-level
//                                 element [data-live]; data-events-position: the position
//                                 the page was rendered at (events after it are news)
//   [data-chat]                   a group's chat: data-group-id, data-after-url (new
//                                 messages after ?after=SEQ), data-message-url (one message,
//                                 "{id}" replaced), data-older-url (?before=SEQ)
//   [data-group-list]             the caller's groups: data-refresh-url (the list fragment)
//   [data-live-fragment]          any fragment refreshed when an event of data-streams
//                                 (space-separated) arrives: data-refresh-url
//
// The connection: the web session's cookie authenticates it (same origin; never a token in
// the URL). After "welcome" it sends one "resume" with the last position processed (kept in
// sessionStorage per tab, or the page's own), reconnects with a capped exponential backoff
// with jitter (at once after 4408 and 4000, never after 4400/4401/4403), and closes a
// connection that has been silent for two heartbeats (a dead network does not always say
// so). A "reset" (the log was pruned past the page's position) reloads the fragments.
(function () {
  "use strict";

  var STORE_KEY = "gridgov.events.position";
  var MAX_BACKOFF_MS = 30000;
  var DEFAULT_HEARTBEAT_S = 25;
  // Close codes after which reconnecting as is cannot help (docs/events.md).
  var FINAL_CODES = { 4400: true, 4401: true, 4403: true };

  function storedPosition() {
    try {
      var text = window.sessionStorage.getItem(STORE_KEY);
      return text ? parseInt(text, 10) || 0 : 0;
    } catch (error) {
      return 0;
    }
  }

  function storePosition(position) {
    try {
      window.sessionStorage.setItem(STORE_KEY, String(position));
    } catch (error) {
      // Private mode without storage: the page still works, it resumes from its render.
    }
  }

  function socketUrl(path) {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + path;
  }

  // One events connection. ``onEvent(frame)`` gets each new event once, in position order;
  // ``onReset()`` is called when the log no longer holds what the page missed.
  function EventsClient(path, startPosition, handlers) {
    this.path = path;
    // The page shows everything up to its render's position: older stored ones are stale.
    this.position = Math.max(startPosition || 0, storedPosition()) || null;
    this.handlers = handlers;
    this.attempts = 0;
    this.socket = null;
    this.silenceTimer = null;
    this.retryTimer = null;
    this.silenceMs = 2 * DEFAULT_HEARTBEAT_S * 1000;
    this.stopped = false;
  }

  EventsClient.prototype.state = function (name) {
    if (this.handlers.onState) this.handlers.onState(name);
  };

  EventsClient.prototype.connect = function () {
    var client = this;
    if (client.stopped) return;
    var socket;
    try {
      socket = new WebSocket(socketUrl(client.path));
    } catch (error) {
      client.retry(false);
      return;
    }
    client.socket = socket;
    // After a lost connection the note keeps saying "reconnecting", not "connecting".
    client.state(client.wasOpen ? "offline" : "connecting");
    socket.addEventListener("open", function () {
      client.watch();
      client.wasOpen = true;
      client.state("open"); // connected: the "connecting…" note goes (caught up: "live")
    });
    socket.addEventListener("message", function (message) {
      client.watch();
      client.receive(message.data);
    });
    socket.addEventListener("close", function (closed) {
      if (client.socket !== socket) return;
      client.socket = null;
      window.clearTimeout(client.silenceTimer);
      if (FINAL_CODES[closed.code]) {
        client.stopped = true;
        client.state("closed");
        return;
      }
      client.state("offline");
      client.retry(closed.code === 4408 || closed.code === 4000);
    });
  };

  EventsClient.prototype.receive = function (text) {
    var frame;
    try {
      frame = JSON.parse(text);
    } catch (error) {
      return;
    }
    if (frame.type === "welcome") {
      this.silenceMs = 2 * (frame.heartbeat_seconds || DEFAULT_HEARTBEAT_S) * 1000;
      this.send({ type: "resume", after: this.position });
      this.watch();
    } else if (frame.type === "caught_up") {
      this.attempts = 0;
      this.advance(frame.position);
      this.state("live");
    } else if (frame.type === "reset") {
      this.advance(frame.position);
      if (this.handlers.onReset) this.handlers.onReset();
    } else if (frame.type === "event") {
      if (typeof frame.position !== "number") return;
      if (this.position !== null && frame.position <= this.position) return;
      this.advance(frame.position);
      this.handlers.onEvent(frame);
    }
  };

  EventsClient.prototype.advance = function (position) {
    if (typeof position !== "number") return;
    if (this.position === null || position > this.position) {
      this.position = position;
      storePosition(position);
    }
  };

  EventsClient.prototype.send = function (frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
    }
  };

  // Nothing heard for two heartbeats: the connection is dead even if nobody said so.
  EventsClient.prototype.watch = function () {
    var client = this;
    var socket = client.socket;
    window.clearTimeout(client.silenceTimer);
    client.silenceTimer = window.setTimeout(function () {
      if (socket && client.socket === socket) socket.close();
    }, client.silenceMs);
  };

  // Exponential backoff (1 s, 2 s, ... 30 s) with jitter; at once when told to resume.
  EventsClient.prototype.retry = function (now) {
    var client = this;
    if (client.stopped) return;
    var ceiling = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, client.attempts));
    client.attempts += 1;
    window.clearTimeout(client.retryTimer);
    client.retryTimer = window.setTimeout(function () {
      client.connect();
    }, now ? 0 : ceiling / 2 + (Math.random() * ceiling) / 2);
  };

  EventsClient.prototype.stop = function () {
    this.stopped = true;
    window.clearTimeout(this.silenceTimer);
    window.clearTimeout(this.retryTimer);
    if (this.socket) this.socket.close(1000);
  };

  // --- fragments ------------------------------------------------------------------------

  function fetchText(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { "HX-Request": "true", Accept: "text/html" },
    }).then(function (response) {
      if (!response.ok) throw new Error(url + " answered " + response.status);
      return response.text();
    });
  }

  function parseFragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function refresh(element) {
    var url = element.getAttribute("data-refresh-url");
    if (!url || element.getAttribute("data-busy") === "true") {
      if (url) element.setAttribute("data-stale", "true");
      return Promise.resolve();
    }
    element.setAttribute("data-busy", "true");
    return fetchText(url)
      .then(function (html) {
        element.replaceChildren(parseFragment(html));
        element.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () {
        // Kept as it was: the next event or a reload brings it up to date.
      })
      .then(function () {
        element.removeAttribute("data-busy");
        if (element.getAttribute("data-stale") === "true") {
          element.removeAttribute("data-stale");
          refresh(element);
        }
      });
  }

  // --- the chat -------------------------------------------------------------------------

  function Chat(root) {
    this.root = root;
    this.list = root.querySelector("[data-messages]");
    this.groupId = root.getAttribute("data-group-id");
    this.loading = false;
    this.pending = false;
  }

  Chat.prototype.lastSeq = function () {
    var items = this.list.querySelectorAll("[data-seq]");
    var last = 0;
    for (var i = 0; i < items.length; i += 1) {
      last = Math.max(last, parseInt(items[i].getAttribute("data-seq"), 10) || 0);
    }
    return last;
  };

  Chat.prototype.firstSeq = function () {
    var first = this.list.querySelector("[data-seq]");
    return first ? parseInt(first.getAttribute("data-seq"), 10) || 0 : 0;
  };

  Chat.prototype.nearBottom = function () {
    var scroller = document.scrollingElement || document.documentElement;
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 160;
  };

  // Appends the messages after the last shown one; several events in a row cost one fetch.
  Chat.prototype.loadNewer = function () {
    var chat = this;
    if (chat.loading) {
      chat.pending = true;
      return Promise.resolve();
    }
    chat.loading = true;
    var follow = chat.nearBottom();
    var url = chat.root.getAttribute("data-after-url") + "?after=" + chat.lastSeq();
    return fetchText(url)
      .then(function (html) {
        chat.insert(parseFragment(html), false);
        if (follow) window.scrollTo(0, document.body.scrollHeight);
        chat.root.setAttribute("data-last-seq", String(chat.lastSeq()));
        chat.markRead();
      })
      .catch(function () {})
      .then(function () {
        chat.loading = false;
        if (chat.pending) {
          chat.pending = false;
          chat.loadNewer();
        }
      });
  };

  Chat.prototype.loadOlder = function (button) {
    var chat = this;
    var url = chat.root.getAttribute("data-older-url") + "?before=" + chat.firstSeq();
    button.disabled = true;
    return fetchText(url).then(function (html) {
      var fragment = parseFragment(html);
      var more = fragment.querySelector("[data-has-older]");
      chat.insert(fragment, true);
      button.hidden = !more || more.getAttribute("data-has-older") !== "true";
      button.disabled = false;
    }, function () {
      button.disabled = false;
    });
  };

  // Inserts the fragment's messages not already shown (the same seq is never shown twice).
  Chat.prototype.insert = function (fragment, atTop) {
    var items = fragment.querySelectorAll("[data-seq]");
    var anchor = atTop ? this.list.firstElementChild : null;
    for (var i = 0; i < items.length; i += 1) {
      var seq = items[i].getAttribute("data-seq");
      if (this.list.querySelector('[data-seq="' + seq + '"]')) continue;
      this.list.insertBefore(items[i], anchor);
    }
    var empty = this.root.querySelector("[data-empty]");
    if (empty && this.list.querySelector("[data-seq]")) empty.hidden = true;
  };

  // Replaces one message as the server renders it now (recalled, pinned, a chain's lines).
  Chat.prototype.reloadMessage = function (messageId) {
    var chat = this;
    var shown = chat.list.querySelector('[data-message-id="' + CSS.escape(messageId) + '"]');
    if (!shown) return Promise.resolve();
    var url = chat.root.getAttribute("data-message-url").replace("{id}", encodeURIComponent(messageId));
    return fetchText(url).then(function (html) {
      var fresh = parseFragment(html).querySelector("[data-message-id]");
      if (fresh) shown.replaceWith(fresh);
    }, function () {});
  };

  // Tells the server the caller has seen up to the last message shown (their read pointer,
  // named by the message's id as POST /api/v1/groups/{id}/read takes it).
  Chat.prototype.markRead = function () {
    var url = this.root.getAttribute("data-read-url");
    var last = this.lastSeq();
    if (!url || !last || last <= (this.readSeq || 0) || document.hidden) return;
    var item = this.list.querySelector('[data-seq="' + last + '"]');
    if (!item) return;
    this.readSeq = last;
    var body = new FormData();
    body.set("up_to", item.getAttribute("data-message-id"));
    body.set("csrf_token", window.gridgov.csrfToken());
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": window.gridgov.csrfToken(), "HX-Request": "true" },
    }).catch(function () {});
  };

  // A recall or pin form: sent without leaving the page, then the message is shown anew.
  Chat.prototype.act = function (form) {
    var chat = this;
    var item = form.closest("[data-message-id]");
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRF-Token": window.gridgov.csrfToken(), "HX-Request": "true" },
    }).then(function () {
      if (item) chat.reloadMessage(item.getAttribute("data-message-id"));
      var pins = document.querySelector("[data-pins]");
      if (pins) refresh(pins);
    }, function () {});
  };

  Chat.prototype.apply = function (event) {
    var payload = event.payload || {};
    if (event.stream !== "group:" + this.groupId) return;
    // A new message (its seq is past the last shown): fetch what follows the last shown.
    // Anything else about one message (recall, pin, a chain's lines): show it anew.
    var seq = typeof payload.seq === "number" ? payload.seq : null;
    var messageId = payload.message_id || payload.id;
    if (event.kind === "message" || (seq !== null && seq > this.lastSeq())) {
      this.loadNewer();
    } else if (messageId) {
      this.reloadMessage(messageId);
    }
    var pins = document.querySelector("[data-pins]");
    if (pins && /pin|notice|recall/.test(event.kind)) refresh(pins);
  };

  // --- wiring ---------------------------------------------------------------------------

  function setState(root, state) {
    root.setAttribute("data-live-state", state);
    var note = document.querySelector("[data-live-status]");
    if (!note) return;
    var template = document.querySelector('template[data-message="live-' + state + '"]');
    note.textContent = template ? template.content.textContent.trim() : "";
    // Shown only while it matters: connecting, reconnecting, stopped; hidden once connected.
    note.hidden = state === "open" || state === "live";
  }

  function streamsOf(element) {
    return (element.getAttribute("data-streams") || "").split(/\s+/).filter(Boolean);
  }

  function start(root) {
    var chats = Array.prototype.map.call(document.querySelectorAll("[data-chat]"), function (el) {
      return new Chat(el);
    });
    var lists = Array.prototype.slice.call(document.querySelectorAll("[data-group-list]"));
    var fragments = Array.prototype.slice.call(document.querySelectorAll("[data-live-fragment]"));

    document.addEventListener("click", function (click) {
      var button = click.target.closest("[data-load-older]");
      if (!button) return;
      click.preventDefault();
      var chat = chats.filter(function (c) { return c.root.contains(button); })[0];
      if (chat) chat.loadOlder(button);
    });
    document.addEventListener("submit", function (submit) {
      var form = submit.target.closest("form[data-message-action]");
      if (!form) return;
      submit.preventDefault();
      var chat = chats.filter(function (c) { return c.root.contains(form); })[0];
      if (chat) chat.act(form);
    });
    document.addEventListener("visibilitychange", function () {
      chats.forEach(function (chat) { chat.markRead(); });
    });
    chats.forEach(function (chat) { chat.markRead(); });
    document.addEventListener("gridgov:posted", function () {
      chats.forEach(function (chat) { chat.loadNewer(); });
    });

    function refreshAll() {
      chats.forEach(function (chat) { chat.loadNewer(); });
      lists.concat(fragments).forEach(refresh);
    }

    var client = new EventsClient(
      root.getAttribute("data-events-url"),
      parseInt(root.getAttribute("data-events-position") || "0", 10),
      {
        onEvent: function (event) {
          chats.forEach(function (chat) { chat.apply(event); });
          if (event.stream.indexOf("group:") === 0) lists.forEach(refresh);
          fragments.forEach(function (element) {
            if (streamsOf(element).indexOf(event.stream) !== -1) refresh(element);
          });
          root.setAttribute("data-events-seen", String(client.position));
        },
        onReset: refreshAll,
        onState: function (state) {
          setState(root, state);
          // Back after a gap: what was missed while offline is fetched, not guessed.
          if (state === "live" && root.getAttribute("data-was-offline") === "true") refreshAll();
          if (state === "offline") root.setAttribute("data-was-offline", "true");
          if (state === "live") root.removeAttribute("data-was-offline");
        },
      }
    );
    client.connect();
    window.addEventListener("pagehide", function () { client.stop(); });
    window.gridgov = window.gridgov || {};
    window.gridgov.events = client;
  }

  function ready() {
    var root = document.querySelector("[data-live][data-events-url]");
    if (root && "WebSocket" in window) start(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
