/* Small behaviours every page may use, wired with listeners (the Content Security Policy allows no inline
   handlers): a <select data-autosubmit> submits its form when it changes. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    const field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit();
    }
  });
})();
