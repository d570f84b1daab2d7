/* Paints the colours that are data (a tag's, an operator's brand) on the back office's badges and swatches:
   set through the DOM, which the Content Security Policy allows, instead of a style attribute, which it does not. */
(function () {
  "use strict";
  function paint(root) {
    root.querySelectorAll("[data-colour]").forEach(function (el) {
      el.style.backgroundColor = el.dataset.colour; // an invalid colour is ignored by the browser
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { paint(document); });
  } else {
    paint(document);
  }
})();
