// Lien messaging: save the message being written as a draft, in the background.
// Progressive enhancement only: without this script the "Enregistrer le brouillon" button
// and the drafts kept on every refused send do the same job.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData || !window.URLSearchParams) {
    return;
  }
  var INTERVAL_MS = 15000;
  // Not form.action: the form's buttons are named "action" and shadow that property.
  var url = form.getAttribute("action") || window.location.href;
  var draftInput = form.querySelector("input[name=draft]");
  var status = document.getElementById("autosave-status");
  var submitting = false;
  var saving = false;

  // The form without its files: they are sent only by the form's buttons, never in the
  // background (an autosave must stay light, and the server ignores files on autosave).
  function formData() {
    var data = new FormData(form);
    var fileFields = [];
    data.forEach(function (value, name) {
      if (typeof value !== "string") {
        fileFields.push(name);
      }
    });
    fileFields.forEach(function (name) {
      data.delete(name);
    });
    return data;
  }

  // What the user typed, without the fields that change when nothing was typed.
  function state() {
    var data = formData();
    data.delete("csrfmiddlewaretoken");
    data.delete("draft");
    return new URLSearchParams(data).toString();
  }

  function payload() {
    var data = formData();
    data.set("action", "autosave");
    return data;
  }

  var saved = state();

  function save() {
    var current = state();
    if (submitting || saving || current === saved) {
      return;
    }
    saving = true;
    fetch(url, {
      method: "POST",
      body: payload(),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (answer && answer.draft) {
          draftInput.value = answer.draft;
          saved = current;
        }
        if (answer && answer.message && status) {
          status.textContent = answer.message;
        }
      })
      .catch(function () {
        // Offline or the session ended: the next tick tries again.
      })
      .then(function () {
        saving = false;
      });
  }

  // Leaving the page: a beacon outlives it. The server finds the draft again by the form's
  // idempotency key, so a later save updates that draft rather than writing a second one.
  function saveOnLeave() {
    var current = state();
    if (submitting || current === saved) {
      return;
    }
    if (navigator.sendBeacon && navigator.sendBeacon(url, payload())) {
      saved = current;
    } else {
      save();
    }
  }

  form.addEventListener("submit", function () {
    submitting = true;
  });
  // A page restored from the back-forward cache is live again.
  window.addEventListener("pageshow", function () {
    submitting = false;
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      saveOnLeave();
    }
  });
  window.addEventListener("pagehide", saveOnLeave);
  window.setInterval(save, INTERVAL_MS);
})();
