// The chat's composer: a voice message recorded in the browser (MediaRecorder, WebM/Opus
// where the browser has it), an image attached, a reply chosen, and the form sent without
// leaving the page. Without script the same form posts and the page comes back.
//
//   form[data-composer]          the message form (multipart); its action is the page route
//   [data-voice-start|stop|discard]  the recorder's buttons; [data-voice-preview] an <audio>
//   [data-voice-status]          what the recorder is doing (texts from <template data-message>)
//   [data-reply-to]              the hidden reply_to field; [data-replying] its banner
//   [data-composer-error]        where a refusal's text goes
//   a message's [data-reply] button names the message (data-reply="ID") and its excerpt
//   (data-excerpt).
(function () {
  "use strict";

  var MAX_SECONDS = 60;
  var TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];

  function message(name, values) {
    var template = document.querySelector('template[data-message="' + name + '"]');
    var text = template ? template.content.textContent.trim() : "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.replace("{" + key + "}", values[key]);
    });
    return text;
  }

  function chosenType() {
    if (!window.MediaRecorder || !MediaRecorder.isTypeSupported) return "";
    for (var i = 0; i < TYPES.length; i += 1) {
      if (MediaRecorder.isTypeSupported(TYPES[i])) return TYPES[i];
    }
    return "";
  }

  function extensionOf(type) {
    if (type.indexOf("ogg") !== -1) return "ogg";
    if (type.indexOf("mp4") !== -1) return "m4a";
    return "webm";
  }

  function Recorder(form) {
    this.form = form;
    this.start = form.querySelector("[data-voice-start]");
    this.stopButton = form.querySelector("[data-voice-stop]");
    this.discard = form.querySelector("[data-voice-discard]");
    this.preview = form.querySelector("[data-voice-preview]");
    this.status = form.querySelector("[data-voice-status]");
    this.blob = null;
    this.seconds = 0;
    this.recorder = null;
    this.timer = null;
    this.url = null;
  }

  Recorder.prototype.available = function () {
    return !!(this.start && navigator.mediaDevices && navigator.mediaDevices.getUserMedia &&
      window.MediaRecorder);
  };

  Recorder.prototype.say = function (name, values) {
    if (this.status) this.status.textContent = message(name, values);
  };

  Recorder.prototype.begin = function () {
    var self = this;
    self.clear();
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var type = chosenType();
      var chunks = [];
      self.recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
      self.recorder.addEventListener("dataavailable", function (event) {
        if (event.data && event.data.size) chunks.push(event.data);
      });
      self.recorder.addEventListener("stop", function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        window.clearInterval(self.timer);
        self.blob = new Blob(chunks, { type: self.recorder.mimeType || type || "audio/webm" });
        self.url = URL.createObjectURL(self.blob);
        self.preview.src = self.url;
        self.preview.hidden = false;
        self.discard.hidden = false;
        self.start.hidden = false;
        self.stopButton.hidden = true;
        self.form.setAttribute("data-voice-ready", "true");
        self.say("voice-ready", { seconds: self.seconds });
      });
      self.seconds = 0;
      self.recorder.start(1000);
      self.start.hidden = true;
      self.stopButton.hidden = false;
      self.form.setAttribute("data-voice-recording", "true");
      self.say("voice-recording", { seconds: 0 });
      self.timer = window.setInterval(function () {
        self.seconds += 1;
        self.say("voice-recording", { seconds: self.seconds });
        if (self.seconds >= MAX_SECONDS) self.finish();
      }, 1000);
    }, function () {
      self.say("voice-denied");
    });
  };

  Recorder.prototype.finish = function () {
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
    this.form.removeAttribute("data-voice-recording");
  };

  Recorder.prototype.clear = function () {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.blob = null;
    if (this.preview) {
      this.preview.removeAttribute("src");
      this.preview.hidden = true;
    }
    if (this.discard) this.discard.hidden = true;
    this.form.removeAttribute("data-voice-ready");
    this.say("voice-none");
  };

  Recorder.prototype.attachTo = function (data) {
    if (!this.blob) return;
    data.set("voice", this.blob, "voice." + extensionOf(this.blob.type));
  };

  function setReply(form, button) {
    var field = form.querySelector("[data-reply-to]");
    var banner = form.querySelector("[data-replying]");
    if (!field || !banner) return;
    field.value = button ? button.getAttribute("data-reply") : "";
    banner.hidden = !button;
    var excerpt = banner.querySelector("[data-replying-text]");
    if (excerpt) excerpt.textContent = button ? button.getAttribute("data-excerpt") || "" : "";
    if (button) form.querySelector("textarea").focus();
  }

  function send(form, recorder) {
    var data = new FormData(form);
    recorder.attachTo(data);
    var error = form.querySelector("[data-composer-error]");
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    form.setAttribute("data-sending", "true");
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": window.gridgov.csrfToken(), "HX-Request": "true" },
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) {
          var found = new DOMParser().parseFromString(text, "text/html").querySelector("[data-refusal]");
          error.textContent = found ? found.textContent.trim() : message("send-failed");
          error.hidden = false;
          return;
        }
        error.hidden = true;
        form.reset();
        recorder.clear();
        setReply(form, null);
        document.dispatchEvent(new CustomEvent("gridgov:posted"));
      });
    }, function () {
      error.textContent = message("send-failed");
      error.hidden = false;
    }).then(function () {
      button.disabled = false;
      form.removeAttribute("data-sending");
    });
  }

  function setup(form) {
    var recorder = new Recorder(form);
    var voice = form.querySelector("[data-voice]");
    if (voice) voice.hidden = !recorder.available();
    form.addEventListener("click", function (event) {
      var target = event.target.closest("button");
      if (!target) return;
      if (target.hasAttribute("data-voice-start")) {
        event.preventDefault();
        recorder.begin();
      } else if (target.hasAttribute("data-voice-stop")) {
        event.preventDefault();
        recorder.finish();
      } else if (target.hasAttribute("data-voice-discard")) {
        event.preventDefault();
        recorder.clear();
      } else if (target.hasAttribute("data-reply-cancel")) {
        event.preventDefault();
        setReply(form, null);
      }
    });
    document.addEventListener("click", function (event) {
      var target = event.target.closest("[data-reply]");
      if (!target) return;
      event.preventDefault();
      setReply(form, target);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(form, recorder);
    });
  }

  function ready() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-composer]"), setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
