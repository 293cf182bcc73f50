// Inserts the canned reply chosen on the case page into the reply box, where the caseworker
// edits it before sending: at the cursor, replacing any selected text. The server filled the
// centre's contacts already. Without this script the same form reloads the page with the text
// in the box (?canned=<id>).
(function () {
  "use strict";
  document.querySelectorAll("form[data-canned-for]").forEach(function (form) {
    var box = document.getElementById(form.getAttribute("data-canned-for"));
    var select = form.querySelector("select");
    if (!box || !select) {
      return;
    }
    form.addEventListener("submit", function (event) {
      var option = select.options[select.selectedIndex];
      var text = option ? option.getAttribute("data-text") : null;
      if (!text) {
        return;
      }
      event.preventDefault();
      box.focus();
      box.setRangeText(text, box.selectionStart, box.selectionEnd, "end");
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
