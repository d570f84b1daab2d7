/* The chat panel's live updates: one WebSocket per tab, partials fetched from the server. No framework. */
(function () {
  "use strict";
  const root = document.getElementById("panel");
  if (!root) return;
  const base = root.dataset.base;
  const openId = root.dataset.conversation ? Number(root.dataset.conversation) : null;
  const baseTitle = document.title.replace(/^\(\d+\)\s*/, "");
  const pending = new Map(); // message id -> promise chain, so updates of one message apply in order

  function updateTitle() {
    let total = 0;
    document.querySelectorAll("#inbox-list .panel-row").forEach(function (row) {
      total += Number(row.dataset.unread || 0);
    });
    document.title = total ? "(" + total + ") " + baseTitle : baseTitle;
  }

  function toElement(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  async function fetchPartial(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
    return toElement(await response.text());
  }

  function scrollToEnd() {
    const list = document.getElementById("messages");
    if (list) list.scrollTop = list.scrollHeight;
  }

  function upsertMessage(conversationId, messageId) {
    if (conversationId !== openId) return Promise.resolve();
    const previous = pending.get(messageId) || Promise.resolve();
    const next = previous.then(async function () {
      const element = await fetchPartial(base + "c/" + conversationId + "/m/" + messageId + "/");
      if (!element) return;
      const existing = document.getElementById("m-" + messageId);
      if (existing) {
        existing.replaceWith(element);
        return;
      }
      const list = document.getElementById("messages");
      const empty = document.getElementById("messages-empty");
      if (empty) empty.remove();
      const separators = list.querySelectorAll(".day-separator");
      const lastDay = separators.length ? separators[separators.length - 1].dataset.day : null;
      if (element.dataset.day && element.dataset.day !== lastDay) {
        const separator = document.createElement("div");
        separator.className = "day-separator";
        separator.dataset.day = element.dataset.day;
        separator.innerHTML = "<span></span>";
        separator.firstChild.textContent = new Date().toLocaleDateString(document.documentElement.lang || undefined);
        list.appendChild(separator);
      }
      list.appendChild(element);
      scrollToEnd();
    }).catch(function (error) { console.warn("panel: message", messageId, error); });
    pending.set(messageId, next);
    next.then(function () { if (pending.get(messageId) === next) pending.delete(messageId); });
    return next;
  }

  async function refreshRow(conversationId, moveToTop) {
    const params = new URLSearchParams(window.location.search);
    params.delete("page");
    if (openId) params.set("active", openId);
    try {
      const element = await fetchPartial(base + "row/" + conversationId + "/?" + params.toString());
      const list = document.getElementById("inbox-list");
      const existing = document.getElementById("row-" + conversationId);
      if (!element) {
        if (existing) existing.remove();
      } else if (existing && !moveToTop) {
        existing.replaceWith(element);
      } else {
        if (existing) existing.remove();
        const empty = document.getElementById("inbox-empty");
        if (empty) empty.remove();
        list.prepend(element);
      }
      updateTitle();
    } catch (error) {
      console.warn("panel: row", conversationId, error);
    }
  }

  function csrfToken() {
    try {
      return JSON.parse(root.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      return "";
    }
  }

  function markRead() {
    fetch(base + "c/" + openId + "/read/", {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
    }).catch(function (error) { console.warn("panel: read", error); });
  }

  function handle(event) {
    const data = event.data || {};
    switch (event.type) {
      case "message.created": // new activity: the row's preview, unread count and place change too
        upsertMessage(Number(data.conversation), Number(data.id));
        refreshRow(Number(data.conversation), true);
        if (Number(data.conversation) === openId && data.direction === "in" && document.visibilityState === "visible") {
          markRead();
        }
        break;
      case "message.updated":
        upsertMessage(Number(data.conversation), Number(data.id));
        break;
      case "conversation.updated":
        refreshRow(Number(data.id), true);
        break;
      case "conversation.assigned":
        refreshRow(Number(data.id), false);
        break;
      case "subscribed":
        root.dataset.live = "subscribed";
        break;
      default:
        break;
    }
  }

  let socket = null;
  let attempts = 0;
  let pingTimer = null;

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/panel/");
    socket.addEventListener("open", function () {
      attempts = 0;
      root.dataset.live = "on";
      if (openId) socket.send(JSON.stringify({ type: "subscribe", conversation: openId }));
      pingTimer = window.setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
      }, 25000);
    });
    socket.addEventListener("message", function (message) {
      try {
        handle(JSON.parse(message.data));
      } catch (error) {
        console.warn("panel: bad event", error);
      }
    });
    socket.addEventListener("close", function (close) {
      root.dataset.live = "off";
      window.clearInterval(pingTimer);
      if (close.code === 4401) return; // logged out: do not hammer the server
      attempts += 1;
      const delay = Math.min(30000, 1000 * Math.pow(2, attempts - 1)) * (0.75 + Math.random() * 0.5);
      window.setTimeout(connect, delay);
    });
  }

  // The composer: "Use" copies the AI draft; Ctrl+Enter sends; after a send, show our message at once.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("#use-draft");
    if (!button) return;
    const text = document.getElementById("composer-text");
    if (text) {
      text.value = button.dataset.draft;
      text.focus();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.target.id === "composer-text" && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      const form = document.getElementById("composer-form");
      if (form) form.requestSubmit();
    }
  });
  // Quick replies: "/hor" in an empty composer lists the canned replies; click (or Tab) inserts one.
  function quickList() { return document.getElementById("quick-list"); }
  function clearQuick() { const list = quickList(); if (list) list.replaceChildren(); }
  function insertQuick(text) {
    const area = document.getElementById("composer-text");
    if (area) { area.value = text; area.focus(); }
    clearQuick();
  }
  let quickTimer = null;
  document.addEventListener("input", function (event) {
    if (event.target.id !== "composer-text") return;
    const match = /^\/([\w-]*)$/.exec(event.target.value);
    const list = quickList();
    if (!match || !list) { clearQuick(); return; }
    window.clearTimeout(quickTimer);
    quickTimer = window.setTimeout(function () {
      fetch(list.dataset.url + "?q=" + encodeURIComponent(match[1]), {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {results: []}; })
        .then(function (data) {
          list.replaceChildren(...data.results.map(function (reply) {
            const item = document.createElement("button");
            item.type = "button";
            item.className = "list-group-item list-group-item-action quick-reply";
            item.dataset.text = reply.text;
            const code = document.createElement("strong");
            code.textContent = "/" + reply.shortcut + " ";
            item.append(code, document.createTextNode(reply.title));
            return item;
          }));
        });
    }, 150);
  });
  document.addEventListener("click", function (event) {
    const item = event.target.closest(".quick-reply");
    if (item) insertQuick(item.dataset.text);
  });
  document.addEventListener("keydown", function (event) {
    if (event.target.id === "composer-text" && event.key === "Tab") {
      const first = document.querySelector("#quick-list .quick-reply");
      if (first) { event.preventDefault(); insertQuick(first.dataset.text); }
    }
  });

  document.body.addEventListener("panel:sent", function (event) {
    upsertMessage(Number(event.detail.conversation), Number(event.detail.message));
  });

  scrollToEnd();
  updateTitle();
  connect();
})();
