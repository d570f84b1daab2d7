/* The export form in admin: shows the filters and columns of the chosen report only (the others are disabled,
   so they are not posted). */
(function () {
  const kind = document.getElementById("id_kind");
  function show() {
    document.querySelectorAll(".export-section").forEach(function (el) {
      const active = el.dataset.kind === kind.value;
      el.hidden = !active;
      el.querySelectorAll("input, select").forEach(function (input) { input.disabled = !active; });
    });
  }
  kind.addEventListener("change", show);
  show();
})();
