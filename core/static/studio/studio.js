// The studio's shell: the menu button of a phone-sized screen, confirmation of destructive forms
// (``data-confirm``; the server asks again on its own page when scripts are off), and the unread
// count in the header, kept current by the notifications WebSocket (/ws/notifications/).
(function () {
  "use strict";

  function menu() {
    const toggle = document.querySelector(".menu-toggle");
    const nav = document.getElementById("studio-nav");
    if (!toggle || !nav) return;
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }

  function confirmations() {
    document.addEventListener("submit", (event) => {
      const form = event.target;
      if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // Listeners for the notification socket's events on this page (the inbox adds one).
  const listeners = [];
  window.FanfareNotifications = { on: (listener) => listeners.push(listener) };

  function setCount(count) {
    const badge = document.getElementById("unread-count");
    if (!badge) return;
    badge.textContent = String(count);
    badge.dataset.count = String(count);
  }

  function notifications() {
    const bell = document.getElementById("studio-bell");
    if (!bell || !bell.dataset.socket || !("WebSocket" in window)) return;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let delay = 1000;
    function connect() {
      const socket = new WebSocket(scheme + location.host + bell.dataset.socket);
      socket.addEventListener("open", () => { delay = 1000; document.body.dataset.notificationsLive = "1"; });
      socket.addEventListener("message", (frame) => {
        const event = JSON.parse(frame.data);
        if (event.type === "unread_count") setCount(event.count);
        listeners.forEach((listener) => listener(event));
      });
      socket.addEventListener("close", (event) => {
        document.body.dataset.notificationsLive = "0";
        if (event.code < 4000) { setTimeout(connect, delay); delay = Math.min(delay * 2, 30000); }
      });
    }
    connect();
  }

  function start() { menu(); confirmations(); notifications(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
