/* Recovery codes page: the print button (a listener: the Content Security Policy allows no inline handlers). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
})();
