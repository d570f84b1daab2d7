/* The panel's event socket, shared by the inbox (panel.js) and the board (kanban.js): one WebSocket to /ws/panel/
   per tab, kept alive and reconnected with backoff; after every (re)connect, what the tab missed is fetched from the
   event log (/panel/events/?since=<cursor>) and every event is handed on once (duplicates dropped by conversation
   and seq). The page's root element says the socket's state in data-live ("on" / "off"). No framework. */
window.PanelLive = function (options) {
  "use strict";
  const base = options.base;
  const root = options.root;
  const onEvent = options.onEvent; // (event, duplicate): duplicates are passed too, for per-conversation bookkeeping
  const onOpen = options.onOpen || function () {};
  let cursor = typeof options.cursor === "number" ? options.cursor : null;
  const seen = new Set();
  const seenOrder = [];
  let socket = null;
  let attempts = 0;
  let pingTimer = null;

  function alreadySeen(event) {
    if (event.seq === undefined || event.seq === null || event.conversation === undefined) return false;
    const key = event.conversation + ":" + event.seq;
    if (seen.has(key)) return true;
    seen.add(key);
    seenOrder.push(key);
    if (seenOrder.length > 2000) seen.delete(seenOrder.shift());
    return false;
  }

  function receive(event) {
    const duplicate = alreadySeen(event);
    if (typeof event.cursor === "number" && (cursor === null || event.cursor > cursor)) cursor = event.cursor;
    onEvent(event, duplicate);
  }

  async function fetchJSON(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error("HTTP " + response.status + " for " + url);
    return response.json();
  }

  // Pages through a catch-up endpoint: {gone} on 404, {reset} when the log no longer reaches back, else {position}.
  async function drainEvents(urlFor, position) {
    for (let page = 0; page < 20; page += 1) { // at most 20 x 500 events, then reload instead
      const body = await fetchJSON(urlFor(position));
      if (body === null) return { gone: true };
      if (body.reset) return { reset: true };
      body.events.forEach(receive);
      position = body.cursor;
      if (!body.more) return { position: position };
    }
    return { reset: true };
  }

  // The inbox's catch-up; false when the page was reloaded instead (too much was missed).
  async function catchUpInbox() {
    if (cursor === null) {
      const start = await fetchJSON(base + "events/");
      if (start && cursor === null) cursor = start.cursor;
      return true;
    }
    const result = await drainEvents(function (since) { return base + "events/?since=" + since; }, cursor);
    if (result.reset) { window.location.reload(); return false; }
    return true;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/panel/");
    socket.addEventListener("open", function () {
      attempts = 0;
      root.dataset.live = "on";
      onOpen(); // e.g. subscribe and catch up: the socket hears new events already, nothing falls between the two
      pingTimer = window.setInterval(function () { send({ type: "ping" }); }, 25000);
    });
    socket.addEventListener("message", function (message) {
      try {
        receive(JSON.parse(message.data));
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

  return { connect: connect, send: send, receive: receive, fetchJSON: fetchJSON, drainEvents: drainEvents,
           catchUpInbox: catchUpInbox };
};

// Calls fn at most once per `wait` ms however often it is asked; a call asked for meanwhile runs at the end.
window.PanelLive.throttle = function (fn, wait) {
  "use strict";
  let last = 0;
  let timer = null;
  return function () {
    if (timer) return;
    const delay = Math.max(0, last + wait - Date.now());
    timer = window.setTimeout(function () {
      timer = null;
      last = Date.now();
      fn();
    }, delay);
  };
};
