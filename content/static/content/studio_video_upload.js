// The studio's upload page: starts the video through the API, then either sends the file in
// chunks at their offsets (local mode, resuming where the server says) or PUTs its parts straight
// to S3 with the presigned URLs and completes the upload with their ETags (S3 mode; the bucket's
// CORS must allow PUT from the studio and expose ETag). Shows progress, then follows processing.
(function () {
  "use strict";
  const form = document.getElementById("video-upload");
  if (!form) return;
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const progress = document.getElementById("upload-progress");
  const percent = document.getElementById("upload-percent");
  const message = document.getElementById("upload-message");
  const renditions = document.getElementById("rendition-progress");
  const chunkBytes = parseInt(form.dataset.chunkBytes, 10);

  function show(value) {
    progress.value = value;
    progress.dataset.steps = (progress.dataset.steps ? progress.dataset.steps + "," : "") + value;
    percent.textContent = value + "%";
  }

  function errorText(body) {
    return body && body.errors ? body.errors.map((e) => e.detail).join(" ") : "Something went wrong.";
  }

  async function api(method, url, options) {
    const response = await fetch(url, Object.assign({ method: method, credentials: "same-origin" }, options));
    const text = await response.text();
    return { response: response, body: text ? JSON.parse(text) : null };
  }

  // Errors next to their field (an empty form says what is missing instead of doing nothing).
  function fieldError(name, text) {
    const input = form.elements[name];
    const field = input.closest(".field");
    let error = field.querySelector(".field-error");
    if (!text) {
      field.classList.remove("has-error");
      if (error) error.remove();
      input.removeAttribute("aria-invalid");
      return;
    }
    if (!error) {
      error = document.createElement("small");
      error.className = "field-error";
      error.id = "id_" + name + "_error";
      error.setAttribute("role", "alert");
      error.dataset.testid = "error-" + name;
      error.setAttribute("data-testid", "error-" + name);
      field.append(error);
    }
    error.textContent = text;
    field.classList.add("has-error");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", error.id);
  }

  function showLinks(videoId) {
    const links = document.getElementById("upload-links");
    links.querySelector("[data-link=edit]").href = form.dataset.studio + videoId + "/";
    links.hidden = false;
  }

  async function follow(videoUrl) {
    const { body } = await api("GET", videoUrl, { headers: { Accept: "application/json" } });
    renditions.replaceChildren(...(body.renditions || []).map((r) => {
      const item = document.createElement("li");
      item.textContent = r.name + ": " + r.status + " " + r.progress + "%";
      return item;
    }));
    if (body.status === "ready") {
      message.textContent = "Ready to watch.";
    } else if (body.status === "failed") {
      message.textContent = "Processing failed: " + body.error_message;
    } else {
      message.textContent = "Processing…";
      setTimeout(() => follow(videoUrl), 1000);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    const title = form.elements.title.value.trim();
    fieldError("file", file ? "" : "Choose a video file to upload.");
    fieldError("title", title ? "" : "Give your video a title.");
    if (!file || !title) { (file ? form.elements.title : form.elements.file).focus(); return; }
    document.getElementById("upload-state").hidden = false;
    form.querySelector("button").disabled = true;
    const tags = form.elements.tags.value.split(",").map((t) => t.trim()).filter(Boolean);
    const started = await api("POST", form.dataset.api, {
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf,
                 "Idempotency-Key": [file.name, file.size, file.lastModified].join(":") },
      body: JSON.stringify({ title: form.elements.title.value, description: form.elements.description.value,
                             tags: tags, visibility: form.elements.visibility.value, size: file.size }),
    });
    if (started.response.status !== 201) {
      message.textContent = errorText(started.body);
      form.querySelector("button").disabled = false;
      return;
    }
    const video = started.body;
    showLinks(video.id);
    const videoUrl = form.dataset.api + video.id + "/";
    if (video.upload.mode === "s3") {
      await uploadToS3(file, video.upload, videoUrl);
      return;
    }
    const uploadUrl = video.upload.url;
    let offset = video.upload.offset;
    show(Math.floor((100 * offset) / file.size));
    message.textContent = "Uploading…";
    while (offset < file.size) {
      const chunk = file.slice(offset, offset + chunkBytes);
      const sent = await api("PATCH", uploadUrl, {
        headers: { "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(offset),
                   "X-CSRFToken": csrf },
        body: chunk,
      });
      if (sent.response.status === 409) {  // someone else moved on: resume where the server is
        offset = parseInt(sent.response.headers.get("Upload-Offset"), 10);
        continue;
      }
      if (sent.response.status !== 200) { message.textContent = errorText(sent.body); return; }
      offset = sent.body.offset;
      show(Math.floor((100 * offset) / file.size));
    }
    follow(videoUrl);
  });

  async function uploadToS3(file, upload, videoUrl) {
    const etags = [];
    let sent = 0;
    show(0);
    message.textContent = "Uploading…";
    for (const part of upload.parts) {
      const start = (part.number - 1) * upload.part_size;
      const answer = await fetch(part.url, { method: "PUT", body: file.slice(start, start + part.size) });
      const etag = answer.headers.get("ETag");
      if (!answer.ok || !etag) {
        message.textContent = "The upload to storage failed (" + answer.status + ").";
        return;
      }
      etags.push({ number: part.number, etag: etag });
      sent += part.size;
      show(Math.floor((100 * sent) / file.size));
    }
    const done = await api("POST", upload.complete_url, {
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ parts: etags }),
    });
    if (done.response.status !== 200) { message.textContent = errorText(done.body); return; }
    follow(videoUrl);
  }
})();
