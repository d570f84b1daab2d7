// Pipeline kanban: HTML5 drag and drop; a drop POSTs the new status, lost asks for a reason first.
(function () {
  "use strict";
  const board = document.getElementById("pipeline");
  if (!board || board.dataset.canMove !== "1") return;
  const lostModalEl = document.getElementById("lost-modal");
  const lostModal = window.bootstrap ? new bootstrap.Modal(lostModalEl) : null;
  let dragged = null;
  let pending = null;

  function moveUrl(id) {
    const url = board.dataset.moveUrl.replace(/0\/move\/$/, id + "/move/");
    return board.dataset.query ? url + "?" + board.dataset.query : url;
  }

  function updateColumns(columns) {
    columns.forEach(function (c) {
      const col = board.querySelector('.pipeline-column[data-status="' + c.status + '"]');
      if (!col) return;
      col.querySelector('[data-role="count"]').textContent = c.count;
      col.querySelector('[data-role="value"]').textContent = c.value_display;
    });
  }

  function send(card, origin, status, reason) {
    const body = new URLSearchParams({status: status, lost_reason: reason || ""});
    fetch(moveUrl(card.dataset.id), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": board.dataset.csrf, "Accept": "application/json"},
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      if (!result.ok) throw new Error(result.data.detail || board.dataset.error);
      card.dataset.status = result.data.status;
      updateColumns(result.data.columns);
    }).catch(function (error) {
      origin.appendChild(card);
      window.alert(error.message || board.dataset.error);
    });
  }

  board.addEventListener("dragstart", function (event) {
    const card = event.target.closest(".pipeline-card");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.id);
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    board.querySelectorAll(".drag-over").forEach(function (el) { el.classList.remove("drag-over"); });
  });
  board.querySelectorAll("[data-dropzone]").forEach(function (zone) {
    zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("drag-over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("drag-over"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("drag-over");
      if (!dragged) return;
      const card = dragged;
      const origin = card.parentElement;
      const status = zone.dataset.dropzone;
      dragged = null;
      if (status === card.dataset.status) return;
      zone.prepend(card);
      if (status === board.dataset.lost) {
        pending = {card: card, origin: origin, status: status};
        if (lostModal) { lostModal.show(); } else {
          const reason = window.prompt(lostModalEl.querySelector(".modal-title").textContent);
          if (reason) { send(card, origin, status, reason); } else { origin.appendChild(card); }
          pending = null;
        }
        return;
      }
      send(card, origin, status, "");
    });
  });
  document.getElementById("lost-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const reason = document.getElementById("lost-reason").value.trim();
    if (!reason || !pending) return;
    const p = pending;
    pending = null;
    lostModal.hide();
    document.getElementById("lost-reason").value = "";
    send(p.card, p.origin, p.status, reason);
  });
  lostModalEl.addEventListener("hidden.bs.modal", function () {
    if (pending) { pending.origin.appendChild(pending.card); pending = null; }
  });
})();
