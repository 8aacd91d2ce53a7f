// The live control room: the stream's chat socket (docs/streaming.md), its status as it changes
// (scheduled -> live -> ended: the chat closes at the end), the preview player (hls.js), the
// viewers chart (the studio's chart component, core/static/studio/charts.js) and moderation.
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
  const statusChip = document.getElementById("cr-status");
  const sendForm = document.getElementById("cr-send");
  const closedNote = document.getElementById("cr-closed");
  const chartBox = document.getElementById("cr-chart");
  const chartEmpty = document.getElementById("cr-chart-empty");
  const preview = document.getElementById("cr-preview");
  const previewNote = document.getElementById("cr-preview-note");
  const LABELS = { scheduled: "Scheduled", live: "Live", ended: "Ended" };
  let chartDrawn = null;
  let player = null;
  let socket = null;
  let heartbeat = null;

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function button(label, onClick, style) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn-small " + (style || "secondary");
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function startPreview() {
    if (player || !preview.dataset.src) return;
    if (window.Hls && window.Hls.isSupported()) {
      player = new window.Hls({ liveSyncDurationCount: 2, manifestLoadingMaxRetry: 30, manifestLoadingRetryDelay: 2000 });
      player.loadSource(preview.dataset.src);
      player.attachMedia(preview);
    } else if (preview.canPlayType("application/vnd.apple.mpegurl")) {
      player = true;
      preview.src = preview.dataset.src;
    }
    preview.dataset.player = player ? "on" : "none";
  }

  function stopPreview() {
    if (player && player.destroy) player.destroy();
    player = null;
    preview.removeAttribute("src");
    preview.dataset.player = "off";
  }

  // The stream's status: the chip, the chat box (closed once ended) and the preview.
  function setStatus(status) {
    if (!status || root.dataset.status === status && statusChip.textContent === LABELS[status]) return;
    root.dataset.status = status;
    statusChip.textContent = LABELS[status] || status;
    statusChip.className = "chip " + status;
    const ended = status === "ended";
    sendForm.hidden = ended;
    closedNote.hidden = !ended;
    if (status === "live") {
      previewNote.textContent = "Your stream as viewers see it, a few seconds behind.";
      startPreview();
    } else if (ended) {
      previewNote.textContent = "The stream has ended.";
      stopPreview();
    }
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
    const tools = document.createElement("span");
    tools.className = "tools";
    tools.append(button("Pin", () => send({ type: "pin", message_id: message.id })));
    tools.append(button("Delete", () => send({ type: "delete", message_id: message.id, reason: "deleted in the control room" }), "danger"));
    if (sender && sender.id !== root.dataset.ownerId) {
      tools.append(button("Timeout 10 min", () => send({ type: "timeout", user_id: sender.id, minutes: 10, reason: "timed out in the control room" }), "danger"));
      tools.append(button("Ban", () => {
        if (confirm("Ban @" + sender.handle + " from your chat?")) send({ type: "ban", user_id: sender.id, reason: "banned in the control room" });
      }, "danger solid"));
    }
    li.append(tools);
    return li;
  }

  function add(message) {
    list.append(render(message));
    list.scrollTop = list.scrollHeight;
  }

  const tipList = document.getElementById("cr-tip-list");

  function chip(text, tone) {
    const span = document.createElement("span");
    span.className = "chip " + (tone || "");
    span.textContent = text;
    return span;
  }

  function addTip(tip) {
    const empty = tipList.querySelector("[data-empty]");
    if (empty) empty.remove();
    const li = document.createElement("li");
    li.dataset.tipId = tip.id;
    const amount = document.createElement("strong");
    amount.textContent = tip.amount_display;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = tip.message;
    li.append(amount, " " + (tip.tipper ? "@" + tip.tipper.handle : "someone") + " ");
    if (tip.anonymous) li.append(chip("anonymous"), " ");
    li.append(text);
    tipList.prepend(li);
  }

  function tipTotals(totals) {
    const parts = Object.entries(totals.totals).map(([currency, amount]) =>
      new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() })
        .format(["jpy"].includes(currency) ? amount : amount / 100));
    document.getElementById("cr-tip-total").textContent = parts.length ? parts.join(", ") : "none yet";
    document.getElementById("cr-tip-count").textContent = totals.count;
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
    setStatus(metrics.status);
    if (!window.FanfareCharts) return;
    if (!chartDrawn) {
      chartBox.hidden = false;
      chartEmpty.hidden = true;
      chartDrawn = window.FanfareCharts.draw(chartBox, {
        kind: "line", x: [metrics.at], x_kind: "date", unit: "", y_max: null,
        series: [{ name: "Viewers", values: [metrics.viewers] }],
      });
    } else {
      chartDrawn.then(() => window.FanfareCharts.extend(chartBox, metrics.at, [metrics.viewers], 720));
    }
  }

  const handlers = {
    welcome(event) {
      list.textContent = "";
      event.messages.forEach(add);
      showPinned(event.pinned);
      connection.textContent = "connected";
      setStatus(event.stream.status);
    },
    status(event) { setStatus(event.status); },
    message(event) { add(event.message); },
    tip(event) { add(event.message); },
    tip_received(event) { addTip(event.tip); tipTotals(event.totals); },
    tip_reversed(event) {
      if (event.tip) {
        const li = tipList.querySelector('li[data-tip-id="' + event.tip.id + '"]');
        if (li) { li.classList.add("reversed"); li.append(" ", chip(event.tip.status, "danger")); }
        tipTotals(event.totals);
      }
    },
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

  if (root.dataset.status === "live") startPreview();
  connect();
})();
