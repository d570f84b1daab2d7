/* The board by status: drag a card to another column (HTML5 drag and drop) and the status endpoint is called
   with fetch; the select on each card is the keyboard (and no-JavaScript) way to do the same. */
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

  function recount() {
    root.querySelectorAll(".kanban-column").forEach(function (column) {
      const count = column.querySelectorAll(".kanban-card").length;
      const badge = column.querySelector(".column-count");
      if (badge && Number(badge.textContent) < count) badge.textContent = count;
      const empty = column.querySelector(".kanban-empty");
      if (empty && count) empty.remove();
    });
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
      const previous = root.querySelector(".kanban-column[data-status='" + card.dataset.status + "'] .column-count");
      if (previous) previous.textContent = Math.max(0, Number(previous.textContent) - 1);
      const next = column.querySelector(".column-count");
      if (next) next.textContent = Number(next.textContent) + 1;
      card.dataset.status = status;
      const select = card.querySelector("select[name=status]");
      if (select) select.value = status;
      recount();
    } catch (error) {
      from.prepend(card);
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
})();
