/* The sandbox's pretend phone (/sandbox/). The visitor picks who they are (a signed session token, kept in this
   tab's sessionStorage), writes lines that enter the CRM through the real inbound path, and hears their chat live
   on /ws/sandbox/ (the AI's and the agents' replies, and the ticks of each). Whenever the socket (re)joins or a
   line was posted, the history is fetched again, so nothing said while it was away is missed. No framework. */
(function () {
  "use strict";
  const root = document.getElementById("sandbox");
  if (!root) return;
  const strings = JSON.parse(document.getElementById("sandbox-strings").textContent);
  const STORE = "sandbox:session";
  const TICKS = { queued: "◷", sent: "✓", delivered: "✓✓", read: "✓✓", failed: "✗" };
  const RANK = { queued: 0, sent: 1, delivered: 2, read: 3 };

  const startSection = document.getElementById("sandbox-start");
  const chatSection = document.getElementById("sandbox-chat");
  const startForm = document.getElementById("sandbox-start-form");
  const startError = document.getElementById("sandbox-start-error");
  const list = document.getElementById("sandbox-messages");
  const form = document.getElementById("sandbox-form");
  const text = document.getElementById("sandbox-text");
  const errorBox = document.getElementById("sandbox-error");
  const presence = document.getElementById("sandbox-presence");
  const switchButton = document.getElementById("sandbox-switch");
  const presenceIdle = presence.textContent;

  let session = null; // {token, phone, name}
  let socket = null;
  let attempts = 0;
  let pingTimer = null;
  let joined = false;
  let syncTries = 0; // after our first line, ask the socket to join until the inbound path has made the contact
  const reported = new Set(); // refs whose read receipt went out
  const readQueue = new Set();
  let readTimer = null;

  // ---- session ---------------------------------------------------------------------------------------------
  function loadSession() {
    try { return JSON.parse(window.sessionStorage.getItem(STORE) || "null"); } catch (error) { return null; }
  }

  function saveSession(value) {
    session = value;
    if (value) window.sessionStorage.setItem(STORE, JSON.stringify(value));
    else window.sessionStorage.removeItem(STORE);
  }

  async function api(method, url, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (session) headers["X-Sandbox-Token"] = session.token;
    const response = await fetch(url, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    return { status: response.status, ok: response.ok, data: data || {} };
  }

  function showStart(message) {
    closeSocket();
    saveSession(null);
    root.dataset.state = "start";
    chatSection.hidden = true;
    startSection.hidden = false;
    switchButton.hidden = true;
    list.querySelectorAll(".sb-msg").forEach(function (node) { node.remove(); });
    document.getElementById("sandbox-empty").hidden = false;
    reported.clear();
    startError.textContent = message || "";
    presence.textContent = presenceIdle;
  }

  function showChat() {
    root.dataset.state = "chat";
    startSection.hidden = true;
    chatSection.hidden = false;
    switchButton.hidden = false;
    document.getElementById("sandbox-who").textContent = (session.name ? session.name + " · " : "") + session.phone;
    errorBox.hidden = true;
    text.focus();
    fetchHistory();
    connect();
  }

  async function start(name, phone) {
    startError.textContent = "";
    const answer = await api("POST", root.dataset.startUrl, { name: name, phone: phone });
    if (!answer.ok) {
      startError.textContent = answer.data.detail || String(answer.status);
      return;
    }
    saveSession({ token: answer.data.token, phone: answer.data.phone, name: answer.data.name });
    showChat();
  }

  startForm.addEventListener("submit", function (event) {
    event.preventDefault();
    start(startForm.elements.name.value, startForm.elements.phone.value);
  });
  document.getElementById("sandbox-presets").addEventListener("click", function (event) {
    const preset = event.target.closest(".sandbox-preset");
    if (!preset) return;
    startForm.elements.name.value = preset.dataset.name;
    startForm.elements.phone.value = preset.dataset.phone;
    start(preset.dataset.name, preset.dataset.phone);
  });
  switchButton.addEventListener("click", function () { showStart(""); });

  function refused(answer) {
    if (answer.status === 403 || answer.status === 404) {
      showStart(answer.data.detail || "");
      return true;
    }
    return false;
  }

  // ---- messages --------------------------------------------------------------------------------------------
  function clock(iso) {
    const date = iso ? new Date(iso) : new Date();
    return date.toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
  }

  function findMessage(m) {
    if (m.id) {
      const byId = list.querySelector('.sb-msg[data-id="' + Number(m.id) + '"]');
      if (byId) return byId;
    }
    if (m.client_id) return list.querySelector('.sb-msg[data-client="' + CSS.escape(m.client_id) + '"]');
    return null;
  }

  function build(m) {
    const mine = m.direction === "in";
    const row = document.createElement("div");
    row.className = "sb-msg " + (mine ? "sb-mine" : "sb-theirs");
    const bubble = document.createElement("div");
    bubble.className = "sb-bubble";
    if (!mine) {
      const label = document.createElement("div");
      label.className = "sb-label" + (m.sender === "agent" ? " sb-label-agent" : "");
      label.textContent = m.sender === "ai" ? strings.ai : strings.agent;
      bubble.appendChild(label);
    }
    if (m.filename) {
      const file = document.createElement("div");
      file.className = "sb-file";
      file.textContent = "📎 " + strings.file + ": " + m.filename;
      bubble.appendChild(file);
    }
    const body = document.createElement("div");
    body.className = "sb-text";
    bubble.appendChild(body);
    const meta = document.createElement("div");
    meta.className = "sb-meta";
    const time = document.createElement("time");
    const tick = document.createElement("span");
    tick.className = "sb-tick";
    meta.append(time, tick);
    bubble.appendChild(meta);
    row.appendChild(bubble);
    return row;
  }

  // Buttons and list rows we were offered: tapping one answers with its title, as a tap on WhatsApp would.
  // A location pin: its name and a map link.
  function paintRich(row, m) {
    const bubble = row.querySelector(".sb-bubble");
    const meta = row.querySelector(".sb-meta");
    let options = row.querySelector(".sb-options");
    if (m.options && m.options.length) {
      if (!options) {
        options = document.createElement("div");
        options.className = "sb-options";
        bubble.insertBefore(options, meta);
      }
      options.replaceChildren.apply(options, m.options.map(function (option) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "sb-option";
        button.textContent = option.title;
        if (option.description) button.title = option.description;
        button.addEventListener("click", function () {
          text.value = option.title;
          send();
        });
        return button;
      }));
    } else if (options) {
      options.remove();
    }
    let place = row.querySelector(".sb-place");
    if (m.location) {
      if (!place) {
        place = document.createElement("a");
        place.className = "sb-place";
        place.target = "_blank";
        place.rel = "noopener noreferrer";
        bubble.insertBefore(place, meta);
      }
      place.href = "https://maps.google.com/?q=" + Number(m.location.latitude) + "," + Number(m.location.longitude);
      place.textContent = "📍 " + Number(m.location.latitude).toFixed(5) + ", " + Number(m.location.longitude).toFixed(5);
    } else if (place) {
      place.remove();
    }
  }

  function paint(row, m) {
    if (m.id) row.dataset.id = String(m.id);
    if (m.client_id) row.dataset.client = m.client_id;
    if (m.ref) row.dataset.ref = m.ref;
    row.querySelector(".sb-text").textContent = m.text || "";
    paintRich(row, m);
    const time = row.querySelector("time");
    if (m.created_at) time.dateTime = m.created_at;
    time.textContent = clock(m.created_at);
    const tick = row.querySelector(".sb-tick");
    let status = m.status;
    if (m.direction === "in") status = m.pending ? "queued" : (m.id ? "delivered" : "sent"); // our own line's progress
    const previous = row.dataset.status;
    if (previous && status !== "failed" && (RANK[previous] || 0) > (RANK[status] || 0)) status = previous; // never back
    row.dataset.status = status;
    row.dataset.pending = m.pending ? "true" : "false";
    tick.dataset.tick = status;
    tick.textContent = TICKS[status] || "";
    tick.title = strings.statuses[status] || "";
  }

  function place(row, m) {
    if (row.parentNode) return;
    document.getElementById("sandbox-empty").hidden = true;
    if (m.id) {
      // Before the first message with a higher id, or before the lines still without one.
      const later = Array.from(list.querySelectorAll(".sb-msg")).find(function (node) {
        return !node.dataset.id || Number(node.dataset.id) > Number(m.id);
      });
      if (later) { list.insertBefore(row, later); return; }
    }
    list.appendChild(row);
  }

  function upsert(m) {
    let row = findMessage(m);
    const fresh = !row;
    if (fresh) row = build(m);
    paint(row, m);
    place(row, m);
    if (fresh) list.scrollTop = list.scrollHeight;
    if (m.direction === "out" && m.ref && (m.status === "sent" || m.status === "delivered")) markRead(m.ref);
  }

  async function fetchHistory() {
    if (!session) return;
    try {
      const answer = await api("GET", root.dataset.messagesUrl);
      if (refused(answer)) return;
      if (answer.ok) answer.data.messages.forEach(upsert);
    } catch (error) {
      console.warn("sandbox: history", error);
    }
  }

  // ---- read receipts: what this phone shows while it is in view is read --------------------------------------
  function markRead(ref) {
    if (reported.has(ref)) return;
    readQueue.add(ref);
    if (document.visibilityState !== "visible") return;
    window.clearTimeout(readTimer);
    readTimer = window.setTimeout(sendReads, 400);
  }

  async function sendReads() {
    if (!session || !readQueue.size || document.visibilityState !== "visible") return;
    const refs = Array.from(readQueue).slice(0, 100);
    refs.forEach(function (ref) { readQueue.delete(ref); reported.add(ref); });
    try {
      const answer = await api("POST", root.dataset.readUrl, { refs: refs });
      if (!answer.ok && !refused(answer)) refs.forEach(function (ref) { reported.delete(ref); });
    } catch (error) {
      refs.forEach(function (ref) { reported.delete(ref); readQueue.add(ref); });
    }
    if (readQueue.size) readTimer = window.setTimeout(sendReads, 400);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && readQueue.size) sendReads();
  });

  // ---- sending ---------------------------------------------------------------------------------------------
  function clientId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  async function send() {
    const value = text.value;
    if (!value.trim() || !session) return;
    const line = { direction: "in", client_id: clientId(), text: value.trim(), pending: true,
                   created_at: new Date().toISOString() };
    upsert(line);
    text.value = "";
    grow();
    showError("");
    let answer = null;
    try {
      answer = await api("POST", root.dataset.messagesUrl, { text: value, client_id: line.client_id });
    } catch (error) {
      answer = null;
    }
    const row = findMessage(line);
    if (answer && answer.ok) {
      if (row && !row.dataset.id) paint(row, Object.assign({}, line, { pending: false }));
      if (!joined) { syncTries = 30; requestSync(); }
      fetchHistory();
      return;
    }
    if (row) row.remove(); // not stored: the words go back in the box
    if (!text.value) { text.value = value; grow(); }
    if (answer && refused(answer)) return;
    showError((answer && answer.data.detail) || strings.send_failed);
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); send(); });
  // Enter sends; Shift+Enter adds a line; a key that ends an IME composition (Japanese, Chinese…) never sends.
  text.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey || event.altKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    if (!event.repeat) send();
  });

  function grow() {
    text.rows = Math.min(5, Math.max(1, text.value.split("\n").length));
  }
  text.addEventListener("input", grow);

  // ---- live stream -----------------------------------------------------------------------------------------
  function requestSync() {
    if (socket && socket.readyState === WebSocket.OPEN && !joined) socket.send(JSON.stringify({ type: "sync" }));
  }

  function setLive(on) {
    root.dataset.live = on ? "on" : "off";
    presence.textContent = on ? strings.online : strings.offline;
  }

  function closeSocket() {
    if (socket) {
      socket.onclose = null;
      socket.close();
      socket = null;
    }
    window.clearInterval(pingTimer);
    joined = false;
    root.dataset.live = "off";
  }

  function connect() {
    closeSocket();
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + window.location.host + root.dataset.socketPath);
    socket = ws;
    ws.onopen = function () {
      attempts = 0;
      ws.send(JSON.stringify({ type: "hello", token: session.token }));
      pingTimer = window.setInterval(function () {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ping" }));
      }, 25000);
    };
    ws.onmessage = function (message) {
      let event = null;
      try { event = JSON.parse(message.data); } catch (error) { return; }
      if (event.type === "ready") {
        joined = Boolean(event.joined);
        root.dataset.joined = joined ? "true" : "false";
        setLive(true);
        fetchHistory(); // what was said before the socket heard this chat
        if (!joined && syncTries > 0) { syncTries -= 1; window.setTimeout(requestSync, 1000); }
      } else if (event.type === "message.created" || event.type === "message.updated") {
        upsert(event.data);
      } else if (event.type === "error" && (event.code === "invalid_token" || event.code === "expired_token")) {
        showStart(event.detail || "");
      }
    };
    ws.onclose = function (close) {
      if (socket !== ws) return;
      window.clearInterval(pingTimer);
      joined = false;
      setLive(false);
      if (close.code === 4403 || close.code === 4404) return;
      attempts += 1;
      const delay = Math.min(30000, 1000 * Math.pow(2, attempts - 1)) * (0.75 + Math.random() * 0.5);
      window.setTimeout(function () { if (socket === ws && session) connect(); }, delay);
    };
  }

  session = loadSession();
  if (session && session.token) showChat();
  else showStart("");
})();
