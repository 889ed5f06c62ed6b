// Names for the admin widgets that scripts draw, which a screen reader could
// not otherwise name (tests/browser/test_admin_accessibility.py): the
// autocomplete boxes (Select2) and their search fields, the rich-text editor, and the help icons of
// the two-list permission pickers. Widgets drawn later (a new inline row) are
// named as they appear.
"use strict";

(function () {
  function labelText(element) {
    if (!element) return "";
    const label = element.id && document.querySelector(`label[for="${element.id}"]`);
    const text = label ? label.textContent : element.getAttribute("aria-label") || "";
    return text.trim().replace(/:$/, "");
  }

  function nameAutocomplete(selection) {
    // Select2 draws its box right after the <select> it hides, and labels the
    // box by the chosen value alone: empty until something is chosen.
    const container = selection.closest(".select2");
    const select = container && container.previousElementSibling;
    const name = labelText(select);
    if (!name) return;
    // The chosen value becomes the box's description, read after its name.
    const value = selection.querySelector(".select2-selection__rendered");
    selection.removeAttribute("aria-labelledby");
    selection.setAttribute("aria-label", name);
    if (value && value.id) {
      value.removeAttribute("role");
      value.removeAttribute("aria-readonly");
      selection.setAttribute("aria-describedby", value.id);
    }
  }

  function nameEditor(editor) {
    const wrapper = editor.closest(".prose-editor");
    const textarea = wrapper && wrapper.querySelector("textarea");
    const name = labelText(textarea);
    if (name) editor.setAttribute("aria-label", name);
  }

  function nameAll(root) {
    root
      .querySelectorAll(".select2-selection[role=combobox]:not([aria-label])")
      .forEach(nameAutocomplete);
    // A box holding several choices types into its own search field, drawn
    // again after each choice: it takes the box's name.
    root
      .querySelectorAll(".select2-search__field:not([aria-label])")
      .forEach((field) => {
        const selection = field.closest(".select2-selection");
        const name = selection && selection.getAttribute("aria-label");
        if (name) field.setAttribute("aria-label", name);
      });
    root
      .querySelectorAll("[contenteditable=true]:not([aria-label])")
      .forEach(nameEditor);
    // A <span> may not carry a name unless it has a role.
    root
      .querySelectorAll("span.help-tooltip[aria-label]:not([role])")
      .forEach((icon) => icon.setAttribute("role", "img"));
  }

  function start() {
    nameAll(document);
    new MutationObserver(() => nameAll(document)).observe(document.body, {
      childList: true,
      subtree: true,
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
