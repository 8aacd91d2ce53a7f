// Plays a video's HLS master playlist in the admin's "Watch" field.
// Browsers with Media Source Extensions (Chrome, Edge, Firefox, desktop Safari) use hls.js,
// vendored next to this file; browsers without it but with native HLS (iOS Safari) use the
// <video> element directly. Others keep the link to the playlist.
(function () {
  "use strict";

  function attach(video) {
    var source = video.getAttribute("data-hls");
    if (!source || video.getAttribute("data-hls-attached")) {
      return;
    }
    video.setAttribute("data-hls-attached", "1");
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ maxBufferLength: 30 });
      hls.on(window.Hls.Events.ERROR, function (event, data) {
        if (data.fatal) {
          video.setAttribute("data-hls-error", data.type + ": " + data.details);
        }
      });
      hls.loadSource(source);
      hls.attachMedia(video);
      video.setAttribute("data-player", "hls.js");
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = source;
      video.setAttribute("data-player", "native");
    } else {
      video.setAttribute("data-player", "none");
    }
  }

  function attachAll() {
    document.querySelectorAll("video[data-hls]").forEach(attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", attachAll);
  } else {
    attachAll();
  }
})();
