// Owns recording voice notes: hold the mic button (MediaRecorder, Opus in WebM or Ogg) with a timer, slide
// left or press Escape to cancel, release to send; uploads with fetch and shows the note pending until stored.
import { setStatus, setTime, setVoice } from "./message.js";
import { newClientId } from "./outbox.js";

const CANCEL_SLIDE_PX = 80;         // the pointer moved this far left of where it pressed: cancelled
const MIN_NOTE_MS = 500;            // shorter is a tap, not a note
const TICK_MS = 200;
const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/ogg"];
const KEYS = new Set([" ", "Enter"]);

function clock(milliseconds) {
  const seconds = Math.floor(milliseconds / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

export function createVoiceRecorder(ctx) {
  const { root, girlId, list } = ctx;
  const button = document.getElementById("voice-button");
  const bar = document.getElementById("voice-recorder");
  const maxMs = (Number.parseFloat(root.dataset.voiceMaxSeconds) || 0) * 1000;
  const csrfToken = root.dataset.csrfToken || "";
  const unsent = new Map();         // client_id -> {blob, durationMs}: notes not stored yet (Retry sends again)
  let recording = null;             // {stream, recorder, chunks, startedAt, startX, stopped, cancelled, tick}

  if (!button || !bar) return { recording: () => false };
  if (!navigator.mediaDevices || !window.MediaRecorder) {
    button.hidden = true;
    return { recording: () => false };
  }
  const timer = bar.querySelector(".voice-recorder__timer");

  function showBar(shown) {
    bar.hidden = !shown;
    bar.classList.remove("voice-recorder--cancelling");
    button.classList.toggle("composer__voice--recording", shown);
    button.setAttribute("aria-pressed", shown ? "true" : "false");
    timer.textContent = "0:00";
  }

  async function start(x) {
    if (recording) return;
    const current = { chunks: [], startX: x, stopped: false, cancelled: false };
    recording = current;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      if (recording === current) recording = null;
      ctx.notices.show(error && error.name === "NotAllowedError"
        ? "Microphone access was refused: allow it for this site to send voice notes."
        : "No microphone could be used for a voice note.");
      return;
    }
    if (current.stopped) {          // released while the browser asked for the microphone
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    const type = TYPES.find((candidate) => MediaRecorder.isTypeSupported(candidate)) || "";
    const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    Object.assign(current, { stream, recorder, startedAt: performance.now() });
    recorder.addEventListener("dataavailable", (event) => {
      if (event.data && event.data.size) current.chunks.push(event.data);
    });
    recorder.addEventListener("stop", () => finished(current));
    recorder.start(250);
    showBar(true);
    current.tick = setInterval(() => {
      const elapsed = performance.now() - current.startedAt;
      timer.textContent = clock(elapsed);
      if (maxMs && elapsed >= maxMs) stop(false);
    }, TICK_MS);
  }

  function stop(cancel) {
    const current = recording;
    if (!current) return;
    recording = null;
    current.stopped = true;
    current.cancelled = cancel;
    if (!current.recorder) return;  // still waiting for the microphone
    clearInterval(current.tick);
    current.durationMs = Math.round(performance.now() - current.startedAt);
    if (maxMs) current.durationMs = Math.min(current.durationMs, maxMs);
    if (current.recorder.state !== "inactive") current.recorder.stop();
    for (const track of current.stream.getTracks()) track.stop();
    showBar(false);
  }

  function finished(current) {
    if (current.cancelled) return;
    if (current.durationMs < MIN_NOTE_MS || !current.chunks.length) {
      ctx.notices.show("Hold the microphone button to record a voice note, then release to send.");
      return;
    }
    const blob = new Blob(current.chunks, { type: current.recorder.mimeType || current.chunks[0].type });
    send(blob, current.durationMs);
  }

  function send(blob, durationMs) {
    const clientId = newClientId();
    unsent.set(clientId, { blob, durationMs });
    ctx.messages.append({
      sender: "user", type: "voice", content: "", client_id: clientId, girl_id: girlId, created_at: new Date().toISOString(),
      audio_url: URL.createObjectURL(blob), duration_ms: durationMs, transcript: null, localStatus: "pending",
    }, { own: true });
    upload(clientId);
  }

  async function upload(clientId) {
    const note = unsent.get(clientId);
    if (!note) return;
    const form = new FormData();
    form.append("girl_id", girlId);
    form.append("client_id", clientId);
    form.append("duration_ms", String(note.durationMs));
    form.append("audio", note.blob, note.blob.type.includes("ogg") ? "note.ogg" : "note.webm");
    let response;
    let body = null;
    try {
      response = await fetch("/api/voice", {
        method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken },
      });
      body = await response.json().catch(() => null);
    } catch {
      failed(clientId, "no connection");
      return;
    }
    if (!response.ok || !body || !body.message) {
      failed(clientId, (body && body.error && body.error.message) || `the server answered ${response.status}`);
      return;
    }
    delivered(clientId, body);
  }

  function delivered(clientId, body) {
    unsent.delete(clientId);
    const { message } = body;
    const node = ctx.messages.byClientId(clientId);
    if (node && node.isConnected) {
      ctx.messages.setServerId(node, message.id);
      setTime(node, message.created_at);
      setVoice(node, message);
      if (node.dataset.status !== "read") setStatus(node, message.read_at ? "read" : "sent");
      ctx.messages.place(node);
    }
    // Every tab gets message_received (this one too): the sequencer takes whichever comes first.
    if (Number.isInteger(body.seq)) ctx.sync.noteAck({ message, seq: body.seq });
    else ctx.messages.append(message);
    ctx.messages.changed();
    ctx.replies.hideRetryBar();
  }

  function failed(clientId, reason) {
    const node = ctx.messages.byClientId(clientId);
    if (node) setStatus(node, "failed", reason);
  }

  // Retry and Discard under a failed note (outbox-view.js handles the text messages' ones).
  list.addEventListener("click", (event) => {
    const action = event.target.closest(".message__retry, .message__discard");
    const node = action && action.closest(".message[data-type='voice']");
    if (!node || !unsent.has(node.dataset.clientId)) return;
    if (action.classList.contains("message__retry")) {
      setStatus(node, "pending");
      upload(node.dataset.clientId);
    } else {
      unsent.delete(node.dataset.clientId);
      ctx.messages.remove(node);
    }
  });

  button.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    button.setPointerCapture(event.pointerId);
    start(event.clientX);
  });
  button.addEventListener("pointermove", (event) => {
    if (!recording || !recording.recorder || recording.startX === null) return;
    const slid = recording.startX - event.clientX;
    bar.classList.toggle("voice-recorder--cancelling", slid > CANCEL_SLIDE_PX / 2);
    if (slid > CANCEL_SLIDE_PX) stop(true);
  });
  button.addEventListener("pointerup", () => stop(false));
  button.addEventListener("pointercancel", () => stop(true));
  button.addEventListener("contextmenu", (event) => event.preventDefault()); // a long press on phones
  button.addEventListener("keydown", (event) => {
    if (!KEYS.has(event.key)) return;
    event.preventDefault();
    if (!event.repeat) start(null);
  });
  button.addEventListener("keyup", (event) => {
    if (!KEYS.has(event.key)) return;
    event.preventDefault();
    stop(false);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !recording) return;
    event.preventDefault();
    stop(true);
  });

  return { recording: () => Boolean(recording) };
}
