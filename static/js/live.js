/* The live hub of every page: window.CRMLive. One WebSocket per tab -- opened here (PanelLive, socket.js) unless the
   page opens its own (<body data-own-socket="1">: the panel's inbox and board), which then hands each event to
   CRMLive.dispatch(event). Pages listen with CRMLive.on(fn). Here: the top bar's bell (count, dropdown, "mark all
   read"), the chat badge, a toast for each new notification, and the opt-in sound and desktop notification (one
   switch for the bell and the panel, kept in this browser). No framework; no inline code (CSP). */
(function () {
  "use strict";
  const listeners = [];
  const quietKinds = new Set(); // notification kinds the page shows itself (the panel's mentions and assignments)
  const NOTIFY_KEY = "panel:notify";
  const notifyPainters = [];
  const bar = document.getElementById("crm-topbar");
  let lastBeep = 0;
  let menuLoaded = false;

  // ---- opt-in alerts: a beep and a desktop notification ----
  function notifyOn() {
    try { return window.localStorage.getItem(NOTIFY_KEY) === "on"; } catch (error) { return false; }
  }

  function setNotify(on) {
    try { window.localStorage.setItem(NOTIFY_KEY, on ? "on" : "off"); } catch (error) { /* private mode */ }
    if (on && "Notification" in window && Notification.permission === "default") Notification.requestPermission();
    notifyPainters.forEach(function (paint) { paint(on); });
  }

  // fn(on) paints a switch; called now and whenever the choice changes (here or in another tab).
  function onNotifyChange(fn) {
    notifyPainters.push(fn);
    fn(notifyOn());
  }

  window.addEventListener("storage", function (event) {
    if (event.key === NOTIFY_KEY) notifyPainters.forEach(function (paint) { paint(notifyOn()); });
  });

  function beep() {
    if (Date.now() - lastBeep < 1500) return; // one sound for what arrives together (an event and its notice)
    lastBeep = Date.now();
    try {
      const Audio = window.AudioContext || window.webkitAudioContext;
      const context = new Audio();
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, context.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.4);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start();
      oscillator.stop(context.currentTime + 0.4);
    } catch (error) { /* no audio: the toast is enough */ }
  }

  // When opted in: the beep and, if the browser allows it, a desktop notification that opens `url`. True if sent.
  function alertUser(options) {
    if (!notifyOn()) return false;
    beep();
    if ("Notification" in window && Notification.permission === "granted") {
      try {
        const notification = new Notification(options.title || document.title,
                                              { body: options.body || "", tag: options.tag || undefined });
        notification.onclick = function () {
          window.focus();
          if (options.url) window.location.href = options.url;
        };
      } catch (error) { /* some browsers only notify from a service worker */ }
    }
    return true;
  }

  // ---- the top bar ----
  function paintBadge(id, value) {
    const badge = document.getElementById(id);
    if (!badge || typeof value !== "number") return;
    badge.textContent = value > 99 ? "99+" : String(value);
    badge.hidden = value <= 0;
    badge.dataset.count = String(value);
  }

  function csrf() {
    return bar ? bar.dataset.csrf : "";
  }

  function ago(iso) {
    const then = Date.parse(iso);
    if (Number.isNaN(then)) return "";
    const seconds = Math.round((then - Date.now()) / 1000);
    const format = new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, { numeric: "auto" });
    const steps = [[60, "second"], [60, "minute"], [24, "hour"], [7, "day"], [4.35, "week"], [12, "month"]];
    let value = seconds;
    for (let i = 0; i < steps.length; i += 1) {
      if (Math.abs(value) < steps[i][0]) return format.format(Math.round(value), steps[i][1]);
      value /= steps[i][0];
    }
    return format.format(Math.round(value), "year");
  }

  function icon(name) {
    const span = document.createElement("span");
    span.className = "nt-icon";
    span.dataset.icon = name || "inbox";
    span.setAttribute("aria-hidden", "true");
    return span;
  }

  function item(n) {
    const link = document.createElement("a");
    link.className = "list-group-item list-group-item-action d-flex gap-2 align-items-start notification-row" +
      (n.read ? "" : " is-unread");
    link.href = n.url || "#";
    link.dataset.notificationId = String(n.id);
    link.dataset.url = n.url || "";
    link.dataset.kind = n.kind;
    const text = document.createElement("span");
    text.className = "flex-grow-1 min-w-0";
    const title = document.createElement("span");
    title.className = "d-block notification-title";
    title.textContent = n.title;
    text.appendChild(title);
    if (n.body) {
      const body = document.createElement("span");
      body.className = "d-block small text-secondary text-truncate";
      body.textContent = n.body;
      text.appendChild(body);
    }
    const when = document.createElement("span");
    when.className = "d-block small text-secondary";
    when.textContent = [n.label, ago(n.created_at)].filter(Boolean).join(" · ");
    text.appendChild(when);
    link.append(icon(n.icon), text);
    return link;
  }

  function menu() { return document.getElementById("nav-bell-menu"); }

  function emptyRow(text) {
    const row = document.createElement("div");
    row.className = "list-group-item text-secondary small text-center py-3";
    row.id = "nav-bell-empty";
    row.textContent = text;
    return row;
  }

  async function loadMenu() {
    const list = menu();
    if (!list || !bar) return;
    try {
      const response = await fetch(bar.dataset.feed, { credentials: "same-origin",
                                                       headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const body = await response.json();
      paintBadge("nav-bell-count", body.unread);
      paintBadge("nav-chat-unread", body.chat_unread);
      list.replaceChildren(...(body.results.length ? body.results.map(item) : [emptyRow(bar.dataset.empty)]));
      menuLoaded = true;
      list.dataset.loaded = "1";
    } catch (error) {
      console.warn("live: notifications", error);
      list.replaceChildren(emptyRow(bar.dataset.error));
    }
  }

  // POST /notifications/read/ with {ids} or {all}; the answer's unread count goes to the bell.
  function markRead(payload) {
    if (!bar) return Promise.resolve();
    return fetch(bar.dataset.read, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(payload),
    }).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) paintBadge("nav-bell-count", body.unread); })
      .catch(function (error) { console.warn("live: read", error); });
  }

  // A notice clicked (in the dropdown, a toast or the full list): read, then followed.
  document.addEventListener("click", function (event) {
    const row = event.target.closest("[data-notification-id]");
    if (!row || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const url = row.dataset.url;
    const wasUnread = row.classList.contains("is-unread");
    document.querySelectorAll("[data-notification-id='" + row.dataset.notificationId + "']").forEach(function (el) {
      el.classList.remove("is-unread");
    });
    const done = wasUnread ? markRead({ ids: [Number(row.dataset.notificationId)] }) : Promise.resolve();
    done.finally(function () { if (url) window.location.href = url; });
  });

  const readAll = document.getElementById("nav-bell-read-all");
  if (readAll) {
    readAll.addEventListener("click", function () {
      document.querySelectorAll(".notification-row.is-unread").forEach(function (el) { el.classList.remove("is-unread"); });
      markRead({ all: true });
    });
  }

  const bell = document.getElementById("nav-bell");
  if (bell) {
    bell.addEventListener("show.bs.dropdown", function () {
      document.querySelectorAll("#crm-toasts .crm-toast").forEach(function (el) { el.remove(); }); // listed here now
      loadMenu();
    });
  }

  const toggle = document.getElementById("nav-notify-toggle");
  if (toggle) {
    onNotifyChange(function (on) { toggle.checked = on; });
    toggle.addEventListener("change", function () { setNotify(toggle.checked); });
  }

  function toast(n) {
    const box = document.getElementById("crm-toasts");
    if (!box) return;
    const element = document.createElement("div");
    element.className = "toast show crm-toast";
    element.setAttribute("role", "status");
    element.dataset.kind = n.kind;
    const head = document.createElement("div");
    head.className = "toast-header gap-2";
    const title = document.createElement("strong");
    title.className = "me-auto text-truncate";
    title.textContent = n.label || "";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", "×");
    close.addEventListener("click", function () { element.remove(); });
    head.append(icon(n.icon), title, close);
    const body = document.createElement("a");
    body.className = "toast-body d-block text-body text-decoration-none";
    body.href = n.url || "#";
    body.dataset.notificationId = String(n.id);
    body.dataset.url = n.url || "";
    body.classList.add("is-unread");
    const strong = document.createElement("span");
    strong.className = "d-block fw-semibold";
    strong.textContent = n.title;
    body.appendChild(strong);
    if (n.body) {
      const small = document.createElement("span");
      small.className = "d-block small text-secondary text-truncate";
      small.textContent = n.body;
      body.appendChild(small);
    }
    element.append(head, body);
    box.appendChild(element);
    while (box.children.length > 4) box.firstElementChild.remove();
    window.setTimeout(function () { element.remove(); }, 10000);
  }

  function notificationCreated(data) {
    paintBadge("nav-bell-count", data.unread);
    const list = menu();
    if (list && menuLoaded) {
      const empty = document.getElementById("nav-bell-empty");
      if (empty) empty.remove();
      list.prepend(item(data));
      while (list.children.length > 20) list.lastElementChild.remove();
    }
    if (quietKinds.has(data.kind)) return; // the page says it in its own way
    if (!(bell && bell.getAttribute("aria-expanded") === "true")) toast(data); // an open menu shows it already
    if (document.visibilityState === "hidden") {
      alertUser({ title: data.title, body: data.body, tag: "notification-" + data.id, url: data.url });
    }
  }

  function handle(event) {
    const data = event.data || {};
    switch (event.type) {
      case "notification.created":
        notificationCreated(data);
        break;
      case "notification.read":
        paintBadge("nav-bell-count", data.unread);
        if (menuLoaded && data.unread === 0) {
          document.querySelectorAll("#nav-bell-menu .is-unread").forEach(function (el) { el.classList.remove("is-unread"); });
        } else if (menuLoaded) {
          menuLoaded = false; // which ones is not said: asked again when the menu opens
          if (bell && bell.getAttribute("aria-expanded") === "true") loadMenu();
        }
        break;
      case "chat.message":
      case "chat.read":
        if (typeof data.unread_total === "number") paintBadge("nav-chat-unread", data.unread_total);
        break;
      default:
        break;
    }
  }

  function dispatch(event) {
    if (!event || typeof event !== "object") return;
    try {
      handle(event);
    } catch (error) {
      console.warn("live: top bar", error);
    }
    listeners.slice().forEach(function (fn) {
      try { fn(event); } catch (error) { console.warn("live: listener", error); }
    });
  }

  // The counts again (after a reconnect: what changed while the socket was away).
  function refresh() {
    if (!bar) return Promise.resolve();
    return loadMenu();
  }

  window.CRMLive = {
    on: function (fn) { listeners.push(fn); },
    dispatch: dispatch,
    refresh: refresh,
    quiet: function (kinds) { kinds.forEach(function (kind) { quietKinds.add(kind); }); },
    notifyOn: notifyOn,
    setNotify: setNotify,
    onNotifyChange: onNotifyChange,
    beep: beep,
    alert: alertUser,
  };

  // The one socket, unless the page brings its own.
  if (document.body.dataset.ownSocket === "1" || !window.PanelLive || !bar) return;
  let opened = false;
  const live = window.PanelLive({
    base: "/panel/", root: bar,
    onEvent: function (event, duplicate) { if (!duplicate) dispatch(event); },
    onOpen: function () {
      if (opened) refresh();
      opened = true;
    },
  });
  window.CRMLive.socket = live;
  live.connect();
})();
