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

  // Messages are in timeline order, (created_at, id) as data-cursor "<microseconds>_<id>" says. Only the latest
  // pages are on the page: a message older than the first one shown (an old message's status changed) comes with
  // its earlier page, and is not appended at the bottom. True when placed here (or left for its page).
  function cursorKey(element) {
    const parts = (element.dataset.cursor || "").split("_");
    return parts.length === 2 ? [Number(parts[0]), Number(parts[1])] : null;
  }

  function before(a, b) {
    return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  }

  function placeAmongShown(list, element) {
    const key = cursorKey(element);
    const shown = list.querySelectorAll(".msg[data-cursor]");
    if (!key || !shown.length || !before(key, cursorKey(shown[shown.length - 1]))) return false; // the newest
    const earlier = document.getElementById("messages-earlier");
    if (before(key, cursorKey(shown[0])) && earlier && earlier.dataset.state !== "start") return true;
    const next = Array.prototype.find.call(shown, function (node) { return before(key, cursorKey(node)); });
    next.before(element);
    return true;
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
      if (placeAmongShown(list, element)) return;
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

  // The conversation page comes without the inbox's list (it opens faster): ask for it at once. Rows that events
  // change meanwhile are asked again once it is here, so the list never shows what it was before them.
  let inboxLoading = null;
  const missedRows = new Map(); // conversation id -> move to top

  // The list last drawn for these filters, kept for this tab and user (sessionStorage): shown at once while the
  // fresh one comes, so going from one conversation to the next does not blank the list; then replaced by it.
  function inboxCacheKey() {
    const params = new URLSearchParams(window.location.search);
    params.delete("active");
    return "panel:inbox:" + (root.dataset.user || "") + "?" + params.toString();
  }

  function showCachedInbox(list) {
    let html = null;
    try { html = window.sessionStorage.getItem(inboxCacheKey()); } catch (error) { html = null; }
    if (!html || list.querySelector(".inbox-cached")) return;
    const template = document.createElement("template");
    template.innerHTML = html;
    const rows = template.content.querySelector("#inbox-list");
    if (!rows) return;
    const holder = document.createElement("div");
    holder.className = "inbox-cached";
    holder.append(...rows.childNodes);
    holder.querySelectorAll(".panel-row-active").forEach(function (row) { row.classList.remove("panel-row-active"); });
    const open = openId ? holder.querySelector("#row-" + openId) : null;
    if (open) open.classList.add("panel-row-active");
    list.append(holder);
    list.querySelector("#inbox-loading").hidden = true;
  }

  async function loadInbox() {
    const list = document.getElementById("inbox-list");
    const params = new URLSearchParams(window.location.search);
    if (openId) params.set("active", openId);
    list.querySelector("#inbox-load-error").hidden = true;
    list.querySelector("#inbox-loading").hidden = false;
    showCachedInbox(list);
    try {
      const response = await fetch(list.dataset.deferred + "?" + params.toString(), {
        credentials: "same-origin", headers: { "HX-Request": "true" },
      });
      // A redirect is the login page (the session ended): not a list.
      if (!response.ok || response.redirected) throw new Error("HTTP " + response.status + " for the inbox");
      const html = (await response.text()).trim();
      try { window.sessionStorage.setItem(inboxCacheKey(), html); } catch (error) { /* full: drawn fresh next time */ }
      const template = document.createElement("template");
      template.innerHTML = html;
      list.replaceWith(template.content); // the list, and its pages' footer when there are more
    } catch (error) {
      console.warn("panel: inbox", error);
      list.querySelector("#inbox-loading").hidden = true;
      list.querySelector("#inbox-load-error").hidden = false;
      return;
    } finally {
      inboxLoading = null;
    }
    updateTitle();
    const missed = Array.from(missedRows.entries());
    missedRows.clear();
    missed.forEach(function (entry) { refreshRow(entry[0], entry[1]); });
  }

  function inboxDeferred() {
    const list = document.getElementById("inbox-list");
    return list && list.dataset.deferred ? list : null;
  }

  if (inboxDeferred()) {
    inboxLoading = loadInbox();
    document.getElementById("inbox-load-retry").addEventListener("click", function () {
      if (!inboxLoading) inboxLoading = loadInbox();
    });
  }

  async function refreshRow(conversationId, moveToTop) {
    if (inboxDeferred()) { // not here yet (or it failed and waits for "Try again"): asked again when it comes
      missedRows.set(conversationId, Boolean(missedRows.get(conversationId) || moveToTop));
      return;
    }
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

  // The tabs' badges: per tab, the open or pending conversations and their unread messages, from the server
  // (the same visibility rules as the list); asked again on events, at most once a second.
  function paintCounts(counts) {
    Object.keys(counts).forEach(function (tab) {
      const count = document.querySelector("#inbox-tabs [data-count-for='" + tab + "']");
      const unread = document.querySelector("#inbox-tabs [data-unread-for='" + tab + "']");
      if (count) {
        count.textContent = counts[tab].count;
        count.hidden = false;
      }
      if (unread) {
        unread.textContent = counts[tab].unread;
        unread.hidden = !counts[tab].unread;
      }
    });
  }

  const refreshCounts = window.PanelLive.throttle(async function () {
    try {
      const response = await fetch(base + "counts/", {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      paintCounts(await response.json());
    } catch (error) {
      console.warn("panel: counts", error);
    }
  }, 1000);

  if (document.getElementById("inbox-tabs")) refreshCounts(); // the page comes without them: cheaper to show

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
        refreshCounts();
        if (Number(data.conversation) === openId && data.direction === "in" && document.visibilityState === "visible") {
          markRead();
        }
        break;
      case "message.updated":
        upsertMessage(Number(data.conversation), Number(data.id));
        // A customer's message changed (a person corrected the intent the AI read): the reading card asks again.
        if (Number(data.conversation) === openId && data.direction === "in" && document.getElementById("ai-reading")) {
          document.body.dispatchEvent(new CustomEvent("panel:reading"));
        }
        break;
      case "conversation.updated":
        refreshRow(Number(data.id), true);
        refreshCounts();
        break;
      case "conversation.assigned":
        refreshRow(Number(data.id), false);
        refreshCounts();
        if (Number(data.assignee) === me && Number(data.id) !== openId) alertAssigned(Number(data.id));
        break;
      case "note.mentioned":
        showMention(data);
        break;
      case "subscribed":
        root.dataset.live = "subscribed";
        break;
      default:
        break;
    }
  }

  // Catch-up. Events about a conversation carry "seq" (per conversation) and "cursor" (the log's
  // position). The shared socket (socket.js) keeps the inbox's cursor and drops duplicates; here we
  // remember the open conversation's last seq, and after every (re)connect -- a network drop, a server
  // or Redis restart -- we fetch what it missed from the database too.
  const conversationCard = document.getElementById("conversation");
  const seqAttr = (conversationCard && conversationCard.dataset.seq) || root.dataset.seq;
  let lastSeq = openId && seqAttr !== undefined && seqAttr !== "" ? Number(seqAttr) : null;
  let gapTimer = null;
  let reconnected = false;

  function receive(event, duplicate) {
    if (openId && Number(event.conversation) === openId && typeof event.seq === "number") {
      // A hole in the open conversation's numbers: a frame was lost (a full channel layer drops them
      // silently) -- fetch the missing ones before going on.
      if (lastSeq !== null && event.seq > lastSeq + 1) {
        if (!gapTimer) gapTimer = window.setTimeout(function () { gapTimer = null; catchUp(); }, 300);
      } else {
        lastSeq = lastSeq === null ? event.seq : Math.max(lastSeq, event.seq);
      }
    }
    if (duplicate) return;
    if (event.type === "subscribe.revoked" && Number(event.conversation) === openId) {
      root.dataset.live = "revoked"; // the conversation left our sight (a transfer): stop showing it live
      refreshRow(openId, false);
    }
    document.dispatchEvent(new CustomEvent("panel:live", { detail: event }));
    handle(event);
    if (window.CRMLive) window.CRMLive.dispatch(event); // the top bar and the page's other listeners (one socket)
  }

  const live = window.PanelLive({
    base: base, root: root, cursor: root.dataset.cursor ? Number(root.dataset.cursor) : null, onEvent: receive,
    onOpen: function () {
      if (openId) live.send({ type: "subscribe", conversation: openId });
      catchUp();
      if (reconnected) { // what changed while the socket was away
        refreshCounts();
        if (window.CRMLive) window.CRMLive.refresh();
      }
      reconnected = true;
    },
  });

  async function catchUp() {
    try {
      if (!(await live.catchUpInbox())) return;
      if (openId && lastSeq === null) {
        const start = await live.fetchJSON(base + "c/" + openId + "/events/");
        if (start === null) live.receive({ type: "subscribe.revoked", conversation: openId });
        else if (lastSeq === null) lastSeq = start.cursor;
      } else if (openId) {
        const open = await live.drainEvents(function (after) {
          return base + "c/" + openId + "/events/?after=" + after;
        }, lastSeq);
        if (open.reset) { window.location.reload(); return; }
        if (open.gone) live.receive({ type: "subscribe.revoked", conversation: openId });
      }
    } catch (error) {
      console.warn("panel: catch-up", error);
    }
  }

  // The composer: "Use" copies the AI draft; Enter sends (or Ctrl+Enter, as each person prefers); after a send,
  // show our message at once.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("#use-draft");
    if (!button) return;
    const text = document.getElementById("composer-text");
    if (text) {
      text.value = button.dataset.draft;
      text.focus();
    }
  });

  // Which key sends, in the composer and the notes box: Enter (Shift+Enter adds a line), or, for whoever turns it
  // on in the composer's menu, Ctrl+Enter (Enter adds a line). Kept per person in this browser.
  const SEND_KEY = "panel:send-key:" + (root.dataset.user || "");
  function ctrlEnterSends() { return window.localStorage.getItem(SEND_KEY) === "ctrl-enter"; }

  function paintSendKey() {
    const ctrl = ctrlEnterSends();
    const toggle = document.getElementById("send-with-ctrl");
    if (toggle) toggle.checked = ctrl;
    const hint = document.getElementById("composer-hint");
    if (hint) hint.textContent = ctrl ? hint.dataset.ctrl : hint.dataset.enter;
    root.dataset.sendKey = ctrl ? "ctrl-enter" : "enter";
  }

  function sendKeyPressed(event) {
    // A key that ends an IME composition (Japanese, Chinese, Korean…) is the IME's, never a send.
    if (event.key !== "Enter" || event.isComposing || event.keyCode === 229) return false;
    if (ctrlEnterSends()) return event.ctrlKey || event.metaKey;
    return !event.shiftKey && !event.altKey;
  }

  document.addEventListener("keydown", function (event) {
    const box = event.target;
    const isComposer = box.id === "composer-text";
    const isNote = box.name === "text" && box.closest && box.closest("#note-form");
    if (!(isComposer || isNote) || !sendKeyPressed(event)) return;
    event.preventDefault();
    if (event.repeat) return; // a held key sends once
    if (isComposer) {
      const first = document.querySelector("#quick-list .quick-reply");
      if (first) { insertQuick(first.dataset.text); return; } // "/hor" + Enter picks the reply, as Tab does
      if (/^\/[\w-]*$/.test(box.value)) return; // a shortcut whose replies are still on their way: not a message
    }
    if (!box.value.trim()) return;
    const form = box.form;
    if (form) form.requestSubmit();
  });
  document.addEventListener("change", function (event) {
    if (event.target.id !== "send-with-ctrl") return;
    if (event.target.checked) window.localStorage.setItem(SEND_KEY, "ctrl-enter");
    else window.localStorage.removeItem(SEND_KEY);
    paintSendKey();
    const text = document.getElementById("composer-text");
    if (text) text.focus();
  });
  document.body.addEventListener("htmx:afterSwap", paintSendKey); // the composer comes back after every send
  paintSendKey();
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

  // Toasts (mentions) and the opt-in alerts for chats assigned to me: a beep and a desktop notification.
  const me = Number(root.dataset.user || 0);
  const notifyButton = document.getElementById("notify-toggle");

  function toast(title, text, href) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const item = document.createElement("div");
    item.className = "toast show panel-toast";
    item.setAttribute("role", "status");
    const head = document.createElement("div");
    head.className = "toast-header";
    const strong = document.createElement("strong");
    strong.className = "me-auto";
    strong.textContent = title;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", "×");
    close.addEventListener("click", function () { item.remove(); });
    head.append(strong, close);
    const body = document.createElement(href ? "a" : "div");
    body.className = "toast-body d-block text-body text-decoration-none";
    if (href) body.href = href;
    body.textContent = text;
    item.append(head, body);
    box.appendChild(item);
    window.setTimeout(function () { item.remove(); }, 15000);
  }

  // The opt-in switch is the top bar's too (live.js keeps it, the sound and the desktop notification).
  const hub = window.CRMLive;

  function paintNotify(on) {
    if (!notifyButton) return;
    notifyButton.textContent = on ? notifyButton.dataset.on : notifyButton.dataset.off;
    notifyButton.setAttribute("aria-pressed", on ? "true" : "false");
    notifyButton.classList.toggle("btn-success", on);
    notifyButton.classList.toggle("btn-outline-secondary", !on);
  }

  function alertAssigned(conversationId) {
    root.dataset.lastAlert = String(conversationId);
    if (hub) hub.alert({ title: document.title, body: notifyButton ? notifyButton.title : "",
                         tag: "panel-" + conversationId, url: base + "c/" + conversationId + "/" });
  }

  function showMention(data) {
    const title = (root.dataset.mentionTitle || "@") + " " + (data.author || "");
    toast(title, data.excerpt || "", base + "c/" + Number(data.conversation) + "/");
    if (hub && hub.notifyOn()) hub.beep();
  }

  if (hub) {
    hub.quiet(["conversation.assigned", "note.mention"]); // said here already: no second toast or sound
    if (notifyButton) {
      hub.onNotifyChange(paintNotify);
      notifyButton.addEventListener("click", function () { hub.setNotify(!hub.notifyOn()); });
    }
  }

  // Forms that come back with their errors (400) are swapped in like any answer: the errors show inline.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.body.addEventListener("panel:sent", function (event) {
    upsertMessage(Number(event.detail.conversation), Number(event.detail.message));
  });

  scrollToEnd();
  updateTitle();
  live.connect();
})();
