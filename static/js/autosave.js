// Autosaves the story form to the editor's own working copy (articles.autosave),
// two seconds after the last edit; loaded by ArticleAdmin.Media (a file, not
// inline script: the Content-Security-Policy forbids that). It never submits
// the form, so the unsaved-changes question (unsaved-changes.js) still asks.
"use strict";
(function () {
  const DELAY = 2000;
  // Buttons and one-click actions are not edits.
  const SKIPPED = new Set(["_action", "_save", "_continue", "_addanother", "_publish", "_schedule", "_submit_for_review"]);

  function body(form) {
    const data = new FormData(form);
    const sent = new FormData();
    for (const [name, value] of data) {
      if (typeof value === "string" && !SKIPPED.has(name)) {
        sent.append(name, value);
      }
    }
    return sent;
  }

  window.addEventListener("load", function () {
    const status = document.getElementById("autosave-status");
    const form = document.querySelector("#content-main form[method=post]");
    if (!status || !form) {
      return;
    }
    const url = status.dataset.url;
    let timer = null;
    let submitting = false;
    let last = null;

    function save() {
      timer = null;
      if (submitting) {
        return;
      }
      const sent = body(form);
      const snapshot = JSON.stringify([...sent]);
      if (snapshot === last) {
        return;
      }
      const token = sent.get("csrfmiddlewaretoken") || "";
      fetch(url, {
        method: "POST",
        body: sent,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : Promise.reject(response.status);
        })
        .then(function (answer) {
          last = snapshot;
          if (!submitting) {
            status.textContent = "Draft saved " + answer.saved_at_display + " (only you see it)";
          }
        })
        .catch(function () {
          status.textContent = "Draft not saved: keep this page open and save the story.";
        });
    }

    function edited() {
      if (submitting) {
        return;
      }
      if (timer !== null) {
        clearTimeout(timer);
      }
      timer = setTimeout(save, DELAY);
    }

    // The baseline: what the form held once every script had filled it.
    last = JSON.stringify([...body(form)]);
    form.addEventListener("input", edited);
    form.addEventListener("change", edited);
    form.addEventListener("submit", function () {
      // Saving (or discarding) the story deletes the working copy: a late
      // autosave must not bring it back.
      submitting = true;
      if (timer !== null) {
        clearTimeout(timer);
      }
    });
  });
})();
