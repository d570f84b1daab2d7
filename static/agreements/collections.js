/* The collector's pages: the promise fields of the action form show only for "promise to pay"; the work list's
   check boxes filter at once. Listeners only (the Content Security Policy allows no inline handlers). */
(function () {
  "use strict";
  var PROMISE = "promise_to_pay";

  function syncPromise(select) {
    var box = document.getElementById("promise-fields");
    if (!box || !select) { return; }
    var on = select.value === PROMISE;
    box.classList.toggle("d-none", !on);
    box.querySelectorAll("input").forEach(function (input) { input.required = on; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var result = document.getElementById("id_action-result");
    if (result) {
      syncPromise(result);
      result.addEventListener("change", function () { syncPromise(result); });
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field instanceof HTMLInputElement && field.hasAttribute("data-autosubmit-check") && field.form) {
      field.form.requestSubmit();
    }
  });
})();
