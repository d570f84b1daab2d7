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
/* The side menu: the fold button folds the rail to its icons on wide screens (remembered in the crm_nav cookie,
   which the server reads to draw the next page folded from the start), and a badge with data-mirror="<id>" follows
   a live counter kept elsewhere on the page (the top bar's unread chat count, kept by live.js). */
(function () {
  "use strict";
  const fold = document.getElementById("nav-fold");
  if (fold) {
    fold.addEventListener("click", function () {
      const folded = document.body.classList.toggle("crm-nav-folded");
      fold.setAttribute("aria-pressed", folded ? "true" : "false");
      const title = folded ? fold.dataset.unfold : fold.dataset.fold;
      fold.title = title || "";
      const label = fold.querySelector(".crm-sidenav-label");
      if (label && title) label.textContent = title;
      document.cookie = "crm_nav=" + (folded ? "folded" : "open") + "; path=/; max-age=31536000; SameSite=Lax";
    });
  }
  document.querySelectorAll("[data-mirror]").forEach(function (badge) {
    const source = document.getElementById(badge.getAttribute("data-mirror"));
    if (!source) return;
    const copy = function () {
      badge.textContent = source.textContent;
      badge.hidden = source.hidden;
    };
    new MutationObserver(copy).observe(source, {childList: true, characterData: true, subtree: true, attributes: true,
                                                attributeFilter: ["hidden"]});
  });
})();
