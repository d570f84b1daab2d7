// The WhatsApp 24-hour window countdown on the conversation header and the board's cards.
// Each badge comes with the seconds left when the server drew it (data-window-left); the first time
// a badge is seen its deadline is fixed from that, so a card redrawn live counts from its own time.
(function () {
  "use strict";
  function tick() {
    const now = Date.now();
    document.querySelectorAll(".window-countdown[data-window-left]").forEach(function (badge) {
      if (!badge.dataset.deadline) {
        const initial = parseInt(badge.dataset.windowLeft, 10) || 0;
        if (!initial) return;
        badge.dataset.deadline = String(now + initial * 1000);
      }
      const left = Math.floor((Number(badge.dataset.deadline) - now) / 1000);
      if (left <= 0) {
        badge.textContent = badge.dataset.closed;
        badge.className = "badge window-countdown text-bg-secondary";
        badge.removeAttribute("data-window-left");
        return;
      }
      const hours = Math.floor(left / 3600);
      const minutes = Math.floor((left % 3600) / 60);
      badge.textContent = badge.dataset.label + " " + (hours ? hours + " h " : "") + minutes + " min";
      badge.classList.toggle("text-bg-warning", left < 7200);
      badge.classList.toggle("text-bg-light", left >= 7200);
    });
  }
  tick();
  window.setInterval(tick, 30000);
  document.addEventListener("htmx:afterSwap", tick);
  document.addEventListener("panel:cards", tick);
})();
