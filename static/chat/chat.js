/* The chat page (/chat/): sends with Enter (Shift+Enter: a new line), loads older messages, marks the open room
   read, and follows "chat.message" / "chat.read" events through window.CRMLive (static/js/live.js owns the one
   socket of the tab; this file never opens one). Receipts of one's announcements move from "not read" to "read"
   as people read them. No framework. */
(function () {
  "use strict";
  const root = document.getElementById("chat");
  if (!root) return;
  const me = Number(root.dataset.userId);
  const roomId = root.dataset.roomId ? Number(root.dataset.roomId) : null;
  const box = document.getElementById("chat-messages");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const errorBox = document.getElementById("chat-error");
  const olderButton = document.getElementById("chat-older");
  let readPending = false;
  let readTimer = null;

  function csrfToken() {
    const field = document.querySelector("#chat-csrf input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body || new URLSearchParams(),
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    });
  }

  function scrollToEnd() {
    if (box) box.scrollTop = box.scrollHeight;
  }

  // --- rendering ---------------------------------------------------------------------------------------------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function receiptsBlock(receipts) {
    const wrap = el("div", "chat-receipts small mt-1");
    wrap.dataset.messageId = receipts.message;
    const details = el("details");
    const summary = el("summary", "text-secondary");
    summary.append(root.dataset.textRead + ": ", el("b", "receipts-read-count", String(receipts.read.length)),
                   " · " + root.dataset.textUnread + ": ",
                   el("b", "receipts-unread-count", String(receipts.unread.length)));
    details.append(summary);
    const row = el("div", "row g-2 mt-1");
    [[root.dataset.textRead, "receipts-read", receipts.read], [root.dataset.textUnread, "receipts-unread",
      receipts.unread]].forEach(function (part) {
      const col = el("div", "col-6");
      col.append(el("div", "fw-semibold", part[0]));
      const list = el("ul", "list-unstyled mb-0 " + part[1]);
      part[2].forEach(function (person) {
        const item = el("li", "", (part[1] === "receipts-read" ? "✓ " : "") + person.name);
        item.dataset.userId = person.id;
        list.append(item);
      });
      col.append(list);
      row.append(col);
    });
    details.append(row);
    wrap.append(details);
    return wrap;
  }

  function messageNode(message, receipts) {
    const node = el("div", "chat-message" + (message.author_id === me ? " chat-own" : "") +
                    (message.is_broadcast ? " chat-broadcast" : ""));
    node.dataset.messageId = message.id;
    node.id = "m" + message.id;
    const meta = el("div", "chat-meta small text-secondary");
    meta.append(el("span", "chat-author fw-semibold", message.author), " · ");
    const time = el("time", "", new Date(message.created_at).toLocaleString(document.documentElement.lang || [], {
      day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false,
    }).replace(",", "")); // as the server writes it: 06/12/2026 03:53
    time.dateTime = message.created_at;
    meta.append(time);
    if (message.is_broadcast) {
      meta.append(" · ", el("span", "badge text-bg-warning", root.dataset.textAnnouncement));
    }
    const body = el("div", "chat-body");
    body.innerHTML = message.html; // escaped by the server (chat/text.py chat_html)
    node.append(meta, body);
    if (receipts) node.append(receiptsBlock(receipts));
    return node;
  }

  function hasMessage(id) {
    return box && box.querySelector('.chat-message[data-message-id="' + id + '"]') !== null;
  }

  function append(message) {
    if (!box || hasMessage(message.id)) return null;
    const empty = document.getElementById("chat-empty");
    if (empty) empty.remove();
    const nearEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    const node = messageNode(message, null);
    node.classList.add("chat-new");
    box.append(node);
    if (nearEnd || message.author_id === me) scrollToEnd();
    return node;
  }

  // --- reading -----------------------------------------------------------------------------------------------
  function markRead() {
    if (!roomId || !root.dataset.readUrl) return;
    if (document.visibilityState !== "visible") { readPending = true; return; }
    readPending = false;
    window.clearTimeout(readTimer);
    readTimer = window.setTimeout(function () {
      post(root.dataset.readUrl).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (body) {
        if (!body) return;
        setRoomUnread(roomId, 0);
        // the socket may not be open yet to hear its own chat.read: tell the page's listeners (the top bar) now
        if (window.CRMLive && typeof window.CRMLive.dispatch === "function") {
          window.CRMLive.dispatch({ type: "chat.read", v: 1, data: { room: roomId, reader_id: me, message_ids: [],
                                                                     unread_total: body.unread_total } });
        }
      }).catch(function () { readPending = true; });
    }, 150);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && readPending) markRead();
  });

  // --- the room list -----------------------------------------------------------------------------------------
  function roomEntry(id) {
    return document.querySelector('#chat-rooms .chat-room[data-room-id="' + id + '"]');
  }

  function setRoomUnread(id, count) {
    const entry = roomEntry(id);
    if (!entry) return;
    const badge = entry.querySelector(".chat-room-unread");
    badge.textContent = String(count);
    badge.classList.toggle("d-none", count <= 0);
  }

  function bumpRoom(data) {
    const list = document.getElementById("chat-rooms");
    if (!list) return;
    let entry = roomEntry(data.room);
    if (!entry) {
      entry = el("a", "list-group-item list-group-item-action d-flex align-items-center gap-2 chat-room");
      entry.dataset.roomId = data.room;
      entry.dataset.roomKind = data.room_kind;
      entry.href = root.dataset.roomUrl + data.room + "/";
      const icons = { direct: "@", team: "#", broadcast: "⚑" };
      entry.append(el("span", "chat-room-icon", icons[data.room_kind] || "#"),
                   el("span", "flex-grow-1 text-truncate chat-room-name", data.room_name),
                   el("span", "badge rounded-pill text-bg-danger chat-room-unread d-none", "0"));
      const empty = document.getElementById("chat-rooms-empty");
      if (empty) empty.remove();
    }
    list.prepend(entry);
    const mine = data.message.author_id === me;
    const open = data.room === roomId && document.visibilityState === "visible";
    if (!mine && !open) {
      const badge = entry.querySelector(".chat-room-unread");
      setRoomUnread(data.room, (Number(badge.textContent) || 0) + 1);
    }
  }

  // --- receipts ----------------------------------------------------------------------------------------------
  function receiptRead(messageId, readerId, readerName) {
    document.querySelectorAll('.chat-receipts[data-message-id="' + messageId + '"]').forEach(function (block) {
      const readList = block.querySelector(".receipts-read");
      const unreadList = block.querySelector(".receipts-unread");
      if (readList.querySelector('[data-user-id="' + readerId + '"]')) return;
      const waiting = unreadList.querySelector('[data-user-id="' + readerId + '"]');
      if (waiting) waiting.remove();
      const item = el("li", "", "✓ " + readerName);
      item.dataset.userId = readerId;
      readList.append(item);
      block.querySelector(".receipts-read-count").textContent = String(readList.children.length);
      block.querySelector(".receipts-unread-count").textContent = String(unreadList.children.length);
    });
  }

  function loadReceipts(messageId, node) {
    fetch(root.dataset.receiptsUrl.replace("/0/", "/" + messageId + "/"), {
      credentials: "same-origin", headers: { Accept: "application/json" },
    }).then(function (response) { return response.ok ? response.json() : null; }).then(function (receipts) {
      if (receipts && !node.querySelector(".chat-receipts")) node.append(receiptsBlock(receipts));
    }).catch(function () {});
  }

  // --- live events -------------------------------------------------------------------------------------------
  function onEvent(event) {
    if (!event || !event.data) return;
    const data = event.data;
    if (event.type === "chat.message") {
      bumpRoom(data);
      if (data.room === roomId) {
        const node = append(data.message);
        if (node && data.message.is_broadcast && data.message.author_id === me) loadReceipts(data.message.id, node);
        if (data.message.author_id !== me) markRead();
      }
    } else if (event.type === "chat.read") {
      if (data.reader_id === me) {
        if (data.room) setRoomUnread(data.room, 0);
      } else {
        (data.message_ids || []).forEach(function (id) { receiptRead(id, data.reader_id, data.reader); });
      }
    }
  }

  function listen() {
    if (root.dataset.listening || !window.CRMLive || typeof window.CRMLive.on !== "function") return false;
    root.dataset.listening = "1";
    window.CRMLive.on(onEvent);
    return true;
  }

  if (!listen()) window.addEventListener("load", listen); // live.js may come after this file

  // --- the composer ------------------------------------------------------------------------------------------
  function showError(text) {
    if (!errorBox) return;
    errorBox.textContent = text || "";
    errorBox.classList.toggle("d-none", !text);
  }

  if (form && input) {
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!input.value.trim()) return;
      const button = document.getElementById("chat-send");
      button.disabled = true;
      post(form.action, new FormData(form)).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (!result.ok) { showError(result.body.detail || root.dataset.textError); return; }
        showError("");
        input.value = "";
        const node = append(result.body.message);
        if (node && result.body.message.is_broadcast) loadReceipts(result.body.message.id, node);
      }).catch(function () { showError(root.dataset.textError); }).finally(function () {
        button.disabled = false;
        input.focus();
      });
    });
  }

  // --- history -----------------------------------------------------------------------------------------------
  const olderWrap = document.getElementById("chat-older-wrap");

  // One page of older messages above the first one shown; resolves to whether there are more.
  function loadOlder() {
    const first = box ? box.querySelector(".chat-message") : null;
    if (!first || !olderButton) return Promise.resolve(false);
    olderButton.disabled = true;
    return fetch(root.dataset.historyUrl + "?before=" + first.dataset.messageId, {
      credentials: "same-origin", headers: { Accept: "application/json" },
    }).then(function (response) { return response.json(); }).then(function (body) {
      const height = box.scrollHeight;
      body.messages.forEach(function (message) { // oldest first: each goes just above the old first one
        if (!hasMessage(message.id)) first.before(messageNode(message, message.receipts));
      });
      box.scrollTop += box.scrollHeight - height; // the reader stays where they were
      olderWrap.classList.toggle("d-none", !body.has_more);
      return body.has_more;
    }).finally(function () { olderButton.disabled = false; });
  }

  if (olderButton && box) olderButton.addEventListener("click", loadOlder);

  // A link to one message (#m123, from the search or a notification): older pages until it is on the page.
  async function showLinkedMessage() {
    const match = /^#m(\d+)$/.exec(window.location.hash);
    if (!match || !box) return;
    let more = olderWrap && !olderWrap.classList.contains("d-none");
    for (let page = 0; page < 20 && !hasMessage(match[1]) && more; page += 1) more = await loadOlder();
    const target = document.getElementById("m" + match[1]);
    if (target) {
      target.scrollIntoView({ block: "center" });
      target.classList.add("chat-new");
    }
  }

  scrollToEnd();
  showLinkedMessage();
  markRead();
})();
