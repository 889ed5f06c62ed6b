// Asks before leaving a change form with unsaved edits (loaded by ArticleAdmin.Media;
// a file, not inline script: the Content-Security-Policy forbids that).
"use strict";
(function () {
  function snapshot(form) {
    const entries = [];
    for (const [name, value] of new FormData(form)) {
      if (name !== "csrfmiddlewaretoken") {
        entries.push([name, typeof value === "string" ? value : value.name]);
      }
    }
    return JSON.stringify(entries);
  }

  window.addEventListener("load", function () {
    const form = document.querySelector("#content-main form[method=post]");
    if (!form) {
      return;
    }
    // Taken once every script (the rich-text editor too) has filled the form.
    const opened = snapshot(form);
    // A form sent back with errors, or opened on the editor's restored working
    // copy (autosave.js), holds edits that were not saved.
    const refused = document.querySelector(".errornote, [data-unsaved]") !== null;
    let submitting = false;
    form.addEventListener("submit", function () {
      submitting = true;
    });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && (refused || snapshot(form) !== opened)) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  });
})();
