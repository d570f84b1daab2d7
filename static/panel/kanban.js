/* The board by status: drag a card to another column (HTML5 drag and drop) and the status endpoint is called
   with fetch; the select on each card is the keyboard (and no-JavaScript) way to do the same. Live: the shared
   socket (socket.js) brings the events of the conversations the user may see, and each card they touch is
   fetched again as this board (its tab and filters) shows it -- moved, added, or removed when it left the board. */
(function () {
  "use strict";
  const root = document.getElementById("kanban");
  if (!root) return;
  const base = root.dataset.base;

  function pad(n) { return String(n).padStart(2, "0"); }

  function snoozeUntil() {
    // The time in the snoozed column's header, or one hour from now.
    const input = document.getElementById("kanban-snooze-until");
    if (input && input.value) return input.value;
    const d = new Date(Date.now() + 3600 * 1000);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes());
  }

  function toast(text, kind) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const item = document.createElement("div");
    item.className = "toast show align-items-center border-0 text-bg-" + (kind || "danger");
    item.setAttribute("role", "alert");
    const body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = text;
    item.appendChild(body);
    box.appendChild(item);
    window.setTimeout(function () { item.remove(); }, 5000);
  }

  function cardsOf(status) {
    return root.querySelector(".kanban-column[data-status='" + status + "'] .kanban-cards");
  }

  function bump(status, delta) {
    const badge = root.querySelector(".kanban-column[data-status='" + status + "'] .column-count");
    if (badge) badge.textContent = Math.max(0, Number(badge.textContent) + delta);
  }

  // "Nothing here." only in columns without cards.
  function tidy() {
    root.querySelectorAll(".kanban-column").forEach(function (column) {
      const cards = column.querySelector(".kanban-cards");
      const count = cards.querySelectorAll(".kanban-card").length;
      const empty = cards.querySelector(".kanban-empty");
      if (empty && count) empty.remove();
      if (!empty && !count) {
        const placeholder = document.createElement("div");
        placeholder.className = "text-secondary small text-center py-3 kanban-empty";
        placeholder.textContent = root.dataset.empty || "";
        cards.prepend(placeholder);
      }
    });
  }

  // Cards beyond each column's first page are counted in its total but not shown: one of them may turn up.
  root.querySelectorAll(".kanban-column").forEach(function (column) {
    const total = Number((column.querySelector(".column-count") || {}).textContent || 0);
    column.dataset.hidden = Math.max(0, total - column.querySelectorAll(".kanban-card").length);
  });

  // Puts `element`, the card of a conversation as it is now, in its status's column in place of the card shown
  // so far (if any); the columns' counts follow. On top when asked, or when it changes column or is new.
  function place(element, toTop) {
    const current = document.getElementById(element.id);
    const to = element.dataset.status;
    const cards = cardsOf(to);
    if (!cards) {
      if (current) remove(current);
      return;
    }
    const from = current ? current.dataset.status : null;
    if (!current) {
      const column = cards.closest(".kanban-column");
      const hidden = Number(column.dataset.hidden || 0);
      if (hidden) column.dataset.hidden = hidden - 1; // probably one of those: already counted
      else bump(to, 1);
    } else if (from !== to) {
      bump(from, -1);
      bump(to, 1);
    }
    if (current) keepInput(current, element);
    const focused = current && current.contains(document.activeElement) ? document.activeElement : null;
    if (current && current.parentElement === cards && !toTop) {
      current.replaceWith(element);
    } else {
      if (current) current.remove();
      cards.prepend(element);
    }
    if (focused) { // the keyboard user keeps their place: the select, the "Move" button or the link
      const selector = focused.name ? "[name='" + focused.name + "']" : focused.tagName === "BUTTON" ? "button" : "a";
      const same = element.querySelector(selector);
      if (same) same.focus();
    }
    document.dispatchEvent(new CustomEvent("panel:cards")); // the card's window countdown starts from now
    tidy();
  }

  // A status chosen in the card's select but not sent yet survives the card being refreshed.
  function keepInput(current, element) {
    const before = current.querySelector("select[name=status]");
    const after = element.querySelector("select[name=status]");
    if (before && after && before.value !== current.dataset.status) after.value = before.value;
  }

  function remove(card) {
    bump(card.dataset.status, -1);
    card.remove();
    tidy();
  }

  async function move(card, column) {
    const status = column.dataset.status;
    if (card.dataset.status === status) return;
    const from = card.parentElement;
    const form = new FormData();
    form.append("status", status);
    if (status === "snoozed") form.append("snoozed_until", snoozeUntil());
    column.querySelector(".kanban-cards").prepend(card); // optimistic; put back if the server refuses
    try {
      const response = await fetch(base + "c/" + card.dataset.conversation + "/status/", {
        method: "POST", body: form, credentials: "same-origin",
        headers: { "X-CSRFToken": root.dataset.csrf, "Accept": "application/json" },
      });
      const data = await response.json().catch(function () { return {}; });
      if (!response.ok || !data.ok) throw new Error(data.detail || root.dataset.error);
      // The card as shown now: a live update may have replaced it (or taken it off the board) meanwhile.
      const current = document.getElementById(card.id);
      if (current) {
        const updated = current.cloneNode(true);
        updated.classList.remove("dragging");
        updated.dataset.status = status;
        const select = updated.querySelector("select[name=status]");
        if (select) select.value = status;
        place(updated, false);
      }
    } catch (error) {
      if (document.getElementById(card.id) === card) from.prepend(card);
      toast(error.message || root.dataset.error);
    }
  }

  root.addEventListener("dragstart", function (event) {
    const card = event.target.closest(".kanban-card");
    if (!card) return;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
    card.classList.add("dragging");
  });
  root.addEventListener("dragend", function (event) {
    const card = event.target.closest(".kanban-card");
    if (card) card.classList.remove("dragging");
    root.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  root.addEventListener("dragover", function (event) {
    const column = event.target.closest(".kanban-column");
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("drop-target");
  });
  root.addEventListener("dragleave", function (event) {
    const column = event.target.closest(".kanban-column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });
  root.addEventListener("drop", function (event) {
    const column = event.target.closest(".kanban-column");
    if (!column) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    const card = document.getElementById(event.dataTransfer.getData("text/plain"));
    if (card && card.classList.contains("kanban-card")) move(card, column);
  });
  // The keyboard way: the card's select and "Move" button post the form; fill in the snooze time first.
  root.addEventListener("submit", function (event) {
    const form = event.target.closest(".kanban-move");
    if (!form) return;
    if (form.elements.status.value === "snoozed") form.elements.snoozed_until.value = snoozeUntil();
  });

  // Live. One refresh of a card at a time; events meanwhile ask for one more afterwards.
  const query = new URLSearchParams(window.location.search);
  query.delete("page");
  const refreshing = new Map(); // conversation id -> {again, toTop}

  async function applyCard(id, toTop) {
    const response = await fetch(base + "card/" + id + "/?" + query.toString(), {
      credentials: "same-origin", headers: { "HX-Request": "true" },
    });
    if (response.status === 404) { // not (or no longer) on this board: transferred away, out of the filters
      const current = document.getElementById("card-" + id);
      if (current) remove(current);
      return;
    }
    if (!response.ok) throw new Error("HTTP " + response.status);
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const element = template.content.firstElementChild;
    if (element) place(element, toTop);
  }

  async function refreshCard(id, toTop) {
    if (!id) return;
    const state = refreshing.get(id);
    if (state) {
      state.again = true;
      state.toTop = state.toTop || toTop;
      return;
    }
    const mine = { again: true, toTop: toTop };
    refreshing.set(id, mine);
    try {
      while (mine.again) {
        const top = mine.toTop;
        mine.again = false;
        mine.toTop = false;
        await applyCard(id, top);
      }
    } catch (error) {
      console.warn("kanban: card", id, error);
    } finally {
      refreshing.delete(id);
    }
  }

  if (!window.PanelLive) return;
  let reconnected = false;
  const live = window.PanelLive({
    base: base, root: root,
    onEvent: function (event, duplicate) {
      if (duplicate) return;
      if (window.CRMLive) window.CRMLive.dispatch(event); // the top bar hears this page's socket (one per tab)
      const data = event.data || {};
      if (event.type === "message.created") refreshCard(Number(data.conversation), true); // newest activity first
      else if (event.type === "conversation.updated" || event.type === "conversation.assigned") {
        refreshCard(Number(data.id), false);
      }
    },
    onOpen: function () {
      live.catchUpInbox().catch(function (error) { console.warn("kanban: catch-up", error); });
      if (reconnected && window.CRMLive) window.CRMLive.refresh();
      reconnected = true;
    },
  });
  live.connect();
})();
