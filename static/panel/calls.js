/* Calls in the open conversation, live: the call bar (ringing, in progress with a running timer, ended with its
   duration, and the script while the call lasts) and the call lines of the sidebar's timeline. Every
   "call.updated" event the panel's socket hands on (panel.js dispatches them as "panel:live") makes the page ask
   the server for the bar or the line as they now stand: the server renders them, in the agent's language. */
(function () {
  "use strict";
  const root = document.getElementById("panel");
  if (!root) return;
  const base = root.dataset.base;
  const openId = root.dataset.conversation ? Number(root.dataset.conversation) : null;
  const me = Number(root.dataset.user || 0);
  const chains = new Map(); // "bar" / "entry-<id>" -> promise chain: the answers to one place apply in order
  const inProgressSince = new Map(); // call id -> when this page first saw it in progress (no answered_at yet)

  function toElement(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function queue(key, work) {
    const next = (chains.get(key) || Promise.resolve()).then(work).catch(function (error) {
      console.warn("panel: call", key, error);
    });
    chains.set(key, next);
    next.then(function () { if (chains.get(key) === next) chains.delete(key); });
    return next;
  }

  async function fetchPartial(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
    return toElement(await response.text());
  }

  function activate(element) {
    if (window.htmx && element) window.htmx.process(element);
  }

  function refreshBar(callId) {
    return queue("bar", async function () {
      const element = await fetchPartial(base + "calls/" + callId + "/bar/");
      const bar = document.getElementById("call-bar");
      if (!element || !bar) return;
      bar.replaceWith(element);
      activate(element);
      tick();
      syncButtons();
    });
  }

  // Has the agent changed anything in the line's outcome form (a choice picked with the keyboard or a script
  // leaves no focus behind)? Then a refresh would wipe it.
  function formStarted(entry) {
    const form = entry.querySelector("form.call-outcome-form");
    if (!form) return false;
    return Array.from(form.elements).some(function (field) {
      if (field.tagName === "SELECT") { // with no option marked selected, the first one is shown
        const marked = Array.from(field.options).findIndex(function (option) { return option.defaultSelected; });
        return field.selectedIndex !== (marked === -1 ? 0 : marked);
      }
      if (field.tagName === "TEXTAREA" || (field.tagName === "INPUT" && field.type !== "hidden")) {
        return field.value !== field.defaultValue;
      }
      return false;
    });
  }

  function refreshEntry(callId) {
    return queue("entry-" + callId, async function () {
      const element = await fetchPartial(base + "calls/" + callId + "/entry/");
      const list = document.getElementById("calls-list");
      if (!element || !list) return;
      const existing = document.getElementById("call-entry-" + callId);
      // A line whose outcome form the agent is typing in, or has started to fill, is left alone until they are done.
      if (existing && existing.contains(document.activeElement) && document.activeElement.closest("form")) return;
      if (existing && formStarted(existing)) return;
      if (existing) {
        existing.replaceWith(element);
      } else {
        const empty = document.getElementById("calls-empty");
        if (empty) empty.remove();
        list.prepend(element);
      }
      activate(element);
    });
  }

  function clock(seconds) {
    const total = Math.max(0, Math.floor(seconds));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const secs = String(total % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + secs : minutes + ":" + secs;
  }

  // The running timer of a call in progress: from when it was answered (the server's answered_at when known).
  function tick() {
    const bar = document.getElementById("call-bar");
    const timer = document.getElementById("call-timer");
    if (!bar || !timer || bar.dataset.status !== "in-progress") return;
    const callId = Number(bar.dataset.call);
    let since = Date.parse(bar.dataset.answeredAt || "");
    if (Number.isNaN(since)) {
      if (!inProgressSince.has(callId)) inProgressSince.set(callId, Date.now());
      since = inProgressSince.get(callId);
    }
    timer.textContent = clock((Date.now() - since) / 1000);
  }

  // While a call is live here, the "Call" buttons wait (a second click would ring the agent's phone again).
  function syncButtons() {
    const bar = document.getElementById("call-bar");
    const live = Boolean(bar && bar.dataset.call && bar.dataset.final === "0");
    document.querySelectorAll(".call-start-form button[type='submit']").forEach(function (button) {
      button.disabled = live;
    });
  }

  window.setInterval(function () { tick(); syncButtons(); }, 1000);
  tick();
  syncButtons();

  // After the socket comes back (a network drop, a server restart) the events it missed are not replayed for
  // calls: ask again for the live bar and for the lines still waiting for something.
  let wasLive = root.dataset.live;
  new MutationObserver(function () {
    const now = root.dataset.live;
    if (now === "on" && wasLive === "off") {
      const bar = document.getElementById("call-bar");
      if (bar && bar.dataset.call && bar.dataset.final === "0") refreshBar(Number(bar.dataset.call));
      document.querySelectorAll("#calls-list .call-entry").forEach(function (entry) {
        if (entry.dataset.status !== "completed" || entry.dataset.transcript === "pending") {
          refreshEntry(Number(entry.dataset.call));
        }
      });
    }
    wasLive = now;
  }).observe(root, { attributes: true, attributeFilter: ["data-live"] });

  document.addEventListener("panel:live", function (event) {
    const message = event.detail || {};
    if (message.type !== "call.updated") return;
    const data = message.data || {};
    const callId = Number(data.id);
    if (!callId) return;
    const bar = document.getElementById("call-bar");
    const barCall = bar ? Number(bar.dataset.call || 0) : 0;
    const idle = !barCall || (bar && bar.dataset.final === "1");
    const mineHere = openId !== null && Number(data.conversation_id) === openId && Number(data.agent_id) === me;
    if (bar && (barCall === callId || (mineHere && idle && !data.is_final))) refreshBar(callId);
    const card = document.getElementById("calls-card");
    if (card && (document.getElementById("call-entry-" + callId) || Number(card.dataset.contact) === Number(data.contact_id))) {
      refreshEntry(callId);
    }
  });

  // The "Call" button answers with the new bar (htmx swaps it in): start its timer, and show the call's line.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail && event.detail.target;
    const bar = document.getElementById("call-bar");
    if (!bar || !(target === bar || (target && target.id === "call-bar") || event.detail.elt === bar)) return;
    if (bar.dataset.call) refreshEntry(Number(bar.dataset.call));
    tick();
    syncButtons();
  });
})();
