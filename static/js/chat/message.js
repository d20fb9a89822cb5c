// Owns one message element: cloned from <template id="message-template">, filled, and updated in place.
// The template is rendered by the same macro as the server's messages (templates/chat/_message.html).
import { cloneTemplate, el, textOrRemove } from "../lib/dom.js";
import { formatClock, parseTime } from "../lib/time.js";

const STATUS_LABELS = { pending: "Sending", sent: "Sent", read: "Read", failed: "Not sent" };

/** The server id of a message element, 0 before the server has it. */
export function idOf(node) {
  return Number.parseInt(node.dataset.id, 10) || 0;
}

export function textOf(node) {
  const text = node.querySelector(".message__text");
  return text ? text.textContent : "";
}

/** The companion's name (the chat page's data-companion-name), for her quotes. */
export function companionName() {
  const root = document.getElementById("chat");
  return (root && root.dataset.companionName) || "Her message";
}

/** A message as the server sends it (Message.to_dict), a reply being streamed (status "streaming"),
 *  or the user's unsent one (no id; localStatus "pending" or "failed", localReason). */
export function buildMessage(message) {
  const isUser = message.sender === "user";
  const isPhoto = message.type === "photo";
  const isVoice = message.type === "voice";
  const streaming = message.status === "streaming";
  const node = cloneTemplate("message-template");
  node.className = `message message--${isUser ? "user" : "girl"}${isPhoto ? " message--photo" : ""}`;
  const data = node.dataset;
  if (message.id) data.id = String(message.id);
  else delete data.id;
  data.sender = isUser ? "user" : "girl";
  data.type = isPhoto ? "photo" : isVoice ? "voice" : "text";
  data.createdAt = message.created_at || new Date().toISOString();
  delete data.status;
  if (isUser) {
    data.clientId = message.client_id || "";
  } else {
    delete data.clientId;
    data.read = message.read_at ? "true" : "false";
  }
  if (streaming) {
    data.status = "streaming";
    data.snapshot = "0";
  }

  const avatar = node.querySelector(".message__avatar");
  const slug = message.girl_id || (document.getElementById("chat") || { dataset: {} }).dataset.girlId;
  if (isUser || !slug) avatar.remove();
  else avatar.src = `/companions/${encodeURIComponent(slug)}/avatar?size=64`;
  setQuote(node, message.reply_to);
  setReaction(node, message.reaction);

  const link = node.querySelector(".photo-link");
  if (isPhoto && message.photo_url) {
    link.href = message.photo_url;
    const img = link.querySelector("img.photo");
    img.alt = message.content || "Photo";
    img.width = message.photo_width || message.width || 768;
    img.height = message.photo_height || message.height || 768;
    img.src = message.photo_url;
  } else {
    link.remove();
  }
  if (isVoice) setVoice(node, message);
  else node.querySelector(".voice-note").remove();
  if (!isVoice || !message.transcript) node.querySelector(".voice-note__transcript").remove();
  if (isUser || isVoice || isPhoto) node.querySelector(".message__speak").remove();
  const text = node.querySelector(".message__text");
  if (message.content || streaming) text.textContent = message.content || "";
  else text.remove();

  const first = node.querySelector(".message__first");
  if (!message.proactive || isUser) first.remove();
  const edited = node.querySelector(".message__edited");
  if (message.edited_at) edited.title = `Edited ${parseTime(message.edited_at).toLocaleString()}`;
  else edited.remove();
  const time = node.querySelector(".message__time");
  if (streaming) time.remove();
  else fillTime(time, data.createdAt);
  if (!isUser) node.querySelector(".message__status").remove();

  if (message.safety === "crisis" && message.resources) node.append(buildCrisisCard(message.resources));
  // localStatus is the unsent message's; a server message is sent, or read once read_at is set.
  if (isUser) setStatus(node, message.localStatus || (message.read_at ? "read" : "sent"), message.localReason);
  return node;
}

/** The crisis lines under a crisis reply, cloned from <template id="crisis-card-template">, whose
 *  three lines are the three kinds: with a web link, with a phone link, and without a link. */
export function buildCrisisCard(resources) {
  const card = cloneTemplate("crisis-card-template");
  card.setAttribute("aria-label", resources.title || "Crisis support");
  textOrRemove(card.querySelector(".crisis-card__title"), resources.title);
  textOrRemove(card.querySelector(".crisis-card__intro"), resources.intro);
  const lines = card.querySelector(".crisis-card__lines");
  const [withUrl, withTel, plain] = lines.querySelectorAll(".crisis-card__line");
  const labels = { tel: resources.call_label || "Call", sms: resources.text_label || "Text" };
  lines.replaceChildren(...(resources.lines || []).map((line) => {
    const item = (line.url ? withUrl : line.tel ? withTel : plain).cloneNode(true);
    const name = item.querySelector(".crisis-card__name");
    name.textContent = line.name ?? "";
    if (line.url) name.href = line.url;
    else if (line.tel) name.href = `tel:${line.tel}`;
    textOrRemove(item.querySelector(".crisis-card__detail"), line.detail);
    const actions = item.querySelector(".crisis-card__actions");
    for (const action of actions.querySelectorAll(".crisis-card__action")) {
      const scheme = action.getAttribute("href").split(":")[0]; // tel or sms
      const number = line[scheme];
      if (!number) {
        action.remove();
        continue;
      }
      action.href = `${scheme}:${number}`;
      action.textContent = `${labels[scheme]} ${number}`;
    }
    if (!actions.querySelector(".crisis-card__action")) actions.remove();
    return item;
  }));
  return card;
}

/** The message this one replies to ({id, sender, excerpt}, or {deleted: true}), or none. */
export function setQuote(node, quote) {
  const button = node.querySelector(".message__quote");
  if (!quote) {
    if (button) button.remove();
    return;
  }
  if (!button) return; // only cloned messages have the part; a server-rendered one has it already
  button.dataset.quoteId = quote.id ? String(quote.id) : "";
  button.dataset.quoteSender = quote.sender === "user" ? "user" : "girl";
  button.querySelector(".message__quote-sender").textContent =
    quote.sender === "user" ? "You" : quote.sender ? companionName() : "Reply to";
  showQuoteDeleted(button, Boolean(quote.deleted || !quote.id), quote.excerpt || "");
}

/** The quoted message was deleted: the quote says so and no longer jumps. */
export function showQuoteDeleted(button, deleted = true, excerpt = "") {
  button.classList.toggle("message__quote--deleted", deleted);
  button.disabled = deleted;
  if (deleted) delete button.dataset.quoteId;
  button.querySelector(".message__quote-text").textContent = deleted ? "Deleted message" : excerpt;
}

/** The user's reaction, as a pill under the bubble; none removes it. */
export function setReaction(node, emoji) {
  let pill = node.querySelector(".message__reaction");
  if (!emoji) {
    if (pill) pill.remove();
    return;
  }
  if (!pill) {
    pill = el("span", "message__reaction");
    pill.setAttribute("role", "img");
    node.querySelector(".bubble").after(pill);
  }
  pill.textContent = emoji;
  pill.setAttribute("aria-label", `Reacted ${emoji}`);
}

export function reactionOf(node) {
  const pill = node.querySelector(".message__reaction");
  return pill ? pill.textContent : null;
}

/** A user message's delivery state: pending, sent, read, or failed (with Retry and Discard). */
export function setStatus(node, status, reason) {
  node.dataset.status = status;
  const label = node.querySelector(".message__status .visually-hidden");
  if (label) label.textContent = STATUS_LABELS[status] || "";
  let failure = node.querySelector(".message__failure");
  if (status !== "failed") {
    if (failure) failure.remove();
    return;
  }
  if (!failure) {
    // The buttons' clicks are handled by outbox-view.js.
    failure = el("div", "message__failure");
    failure.setAttribute("role", "alert");
    failure.append(el("span", "message__failure-text"));
    const retry = el("button", "message__retry link-button", "Retry");
    retry.type = "button";
    retry.setAttribute("aria-label", "Retry sending this message");
    const discard = el("button", "message__discard link-button", "Discard");
    discard.type = "button";
    discard.setAttribute("aria-label", "Discard this message");
    failure.append(retry, discard);
    node.append(failure);
  }
  failure.querySelector(".message__failure-text").textContent = reason ? `Not sent: ${reason}` : "Not sent.";
}

function fillTime(time, iso) {
  const date = parseTime(iso);
  time.dateTime = iso;
  time.textContent = formatClock(date);
  time.title = date.toLocaleString();
}

/** The server's time for the message (a streamed reply gets its time when it is final). */
export function setTime(node, iso) {
  if (!iso) return;
  node.dataset.createdAt = iso;
  const meta = node.querySelector(".message__meta");
  if (!meta) return;
  let time = meta.querySelector(".message__time");
  if (!time) {
    time = el("time", "message__time");
    meta.insertBefore(time, meta.querySelector(".message__status"));
  }
  fillTime(time, iso);
}

export function setEdited(node, editedAt) {
  if (!editedAt) return;
  const meta = node.querySelector(".message__meta");
  if (!meta) return;
  let label = meta.querySelector(".message__edited");
  if (!label) {
    label = el("span", "message__edited", "edited");
    meta.prepend(label);
  }
  label.title = `Edited ${parseTime(editedAt).toLocaleString()}`;
}

/** m:ss of a length in milliseconds (a voice note's duration, or how much of it was played). */
export function formatDuration(milliseconds) {
  const seconds = Math.max(0, Math.ceil((milliseconds || 0) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** A voice note's player (its audio, its length) and the transcript under it, once there is one. */
export function setVoice(node, message) {
  const player = node.querySelector(".voice-note");
  if (!player) return;
  const audio = player.querySelector("audio");
  if (message.audio_url && audio.getAttribute("src") !== message.audio_url) {
    const local = audio.getAttribute("src") || "";
    audio.src = message.audio_url;
    if (local.startsWith("blob:")) URL.revokeObjectURL(local);
  }
  if (Number.isInteger(message.duration_ms)) {
    player.dataset.durationMs = String(message.duration_ms);
    if (!player.classList.contains("voice-note--playing")) {
      player.querySelector(".voice-note__time").textContent = formatDuration(message.duration_ms);
    }
  }
  if (!message.transcript) return;
  let transcript = node.querySelector(".voice-note__transcript");
  if (!transcript) {
    transcript = el("p", "voice-note__transcript");
    player.after(transcript);
  }
  transcript.textContent = message.transcript;
}

export function setText(node, content) {
  let text = node.querySelector(".message__text");
  if (!content) {
    if (text && node.dataset.type !== "text") text.remove();
    else if (text) text.textContent = "";
    return;
  }
  if (!text) {
    text = el("p", "message__text");
    node.querySelector(".bubble").insertBefore(text, node.querySelector(".message__meta"));
  }
  if (text.textContent !== content) text.textContent = content;
}
