// The live control room: the stream's chat socket (docs/streaming-chat.md), metrics chart, moderation.
(function () {
  "use strict";
  const root = document.getElementById("control-room");
  if (!root) return;
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const url = scheme + location.host + root.dataset.socketPath;
  const list = document.getElementById("cr-messages");
  const pinned = document.getElementById("cr-pinned");
  const errorBox = document.getElementById("cr-error");
  const connection = document.getElementById("cr-connection");
  const points = [];
  let socket = null;
  let heartbeat = null;

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function button(label, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function render(message) {
    const li = document.createElement("li");
    li.dataset.id = message.id;
    li.dataset.testid = "chat-message";
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = message.sender ? "@" + message.sender.handle : "Fanfare";
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = message.kind === "tip" ? "tipped: " + message.text : message.text;
    li.append(who, text);
    const sender = message.sender;
    li.append(button("Pin", () => send({ type: "pin", message_id: message.id })));
    li.append(button("Delete", () => send({ type: "delete", message_id: message.id, reason: "deleted in the control room" })));
    if (sender && sender.id !== root.dataset.ownerId) {
      li.append(button("Timeout 10 min", () => send({ type: "timeout", user_id: sender.id, minutes: 10, reason: "timed out in the control room" })));
      li.append(button("Ban", () => {
        if (confirm("Ban @" + sender.handle + " from your chat?")) send({ type: "ban", user_id: sender.id, reason: "banned in the control room" });
      }));
    }
    return li;
  }

  function add(message) {
    list.append(render(message));
    list.scrollTop = list.scrollHeight;
  }

  function showPinned(message) {
    pinned.hidden = !message;
    pinned.textContent = message ? "📌 " + (message.sender ? "@" + message.sender.handle + ": " : "") + message.text : "";
    if (message) pinned.append(" ", button("Unpin", () => send({ type: "unpin" })));
  }

  function chart(metrics) {
    document.getElementById("cr-viewers").textContent = metrics.viewers;
    document.getElementById("cr-peak").textContent = metrics.peak_viewers;
    document.getElementById("cr-rate").textContent = metrics.chat_messages_per_minute;
    points.push(metrics.viewers);
    if (points.length > 60) points.shift();
    const top = Math.max(1, ...points);
    const step = points.length > 1 ? 300 / (points.length - 1) : 0;
    document.getElementById("cr-line").setAttribute(
      "points", points.map((v, i) => (i * step).toFixed(1) + "," + (100 - (v / top) * 95).toFixed(1)).join(" ")
    );
  }

  const handlers = {
    welcome(event) {
      list.textContent = "";
      event.messages.forEach(add);
      showPinned(event.pinned);
      connection.textContent = "connected";
    },
    message(event) { add(event.message); },
    tip(event) { add(event.message); },
    message_deleted(event) {
      const li = list.querySelector('li[data-id="' + event.message_id + '"]');
      if (li) li.remove();
    },
    chat_cleared() { list.textContent = ""; },
    pinned(event) { showPinned(event.message); },
    metrics: chart,
    error(event) {
      errorBox.textContent = event.detail + (event.retry_after ? " (retry in " + event.retry_after + " s)" : "");
    },
  };

  function connect() {
    socket = new WebSocket(url);
    socket.addEventListener("message", (frame) => {
      const event = JSON.parse(frame.data);
      const handler = handlers[event.type];
      if (handler) handler(event);
    });
    socket.addEventListener("open", () => {
      heartbeat = setInterval(() => send({ type: "heartbeat" }), 15000);
    });
    socket.addEventListener("close", (event) => {
      clearInterval(heartbeat);
      connection.textContent = "disconnected (" + event.code + ")";
      if (event.code < 4000) setTimeout(connect, 2000);
    });
  }

  document.getElementById("cr-send").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("cr-text");
    if (!input.value.trim()) return;
    errorBox.textContent = "";
    send({ type: "message", text: input.value });
    input.value = "";
  });

  connect();
})();
