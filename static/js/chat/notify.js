// Owns getting the user's attention: the unread total in the title and on the favicon, a browser
// notification when she answers while the tab is hidden, and the banner that asks for permission.
import { previewOf, titleWithCount } from "./unread.js";

const PROMPT_DISMISSED_KEY = "dreamchat:notify-prompt";
const NOTIFY_NEWER_THAN_MS = 10 * 60 * 1000;   // a replay of old replies does not notify
const LOGO_PATH = "M12 3C6.5 3 2 6.9 2 11.7c0 2.5 1.2 4.7 3.2 6.3L4.5 21l3.7-1.8c1.2.4 2.5.6 3.8.6 5.5 0 10-3.9 10-8.7S17.5 3 12 3Zm4.6 5.2-.9 2.1-2.1.9 2.1.9.9 2.1.9-2.1 2.1-.9-2.1-.9-.9-2.1ZM9 8.5c1 0 1.5.8 1.5 1.6 0 1.5-1.9 2.9-3 3.6-1.1-.7-3-2.1-3-3.6 0-.8.5-1.6 1.5-1.6.7 0 1.2.4 1.5.9.3-.5.8-.9 1.5-.9Z";

function notificationsSupported() {
  return typeof window.Notification === "function";
}

function stored(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // private mode: the banner may come back next time
  }
}

/** The logo with a red dot and the count, as a PNG data: URL (null without a canvas). */
export function drawBadgedIcon(total) {
  const size = 64;
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  const draw = canvas.getContext && canvas.getContext("2d");
  if (!draw) return null;
  const gradient = draw.createLinearGradient(0, 0, size, size);
  gradient.addColorStop(0, "#ff6f91");
  gradient.addColorStop(1, "#845ec2");
  draw.fillStyle = gradient;
  draw.beginPath();
  if (draw.roundRect) draw.roundRect(0, 0, size, size, 18);
  else draw.rect(0, 0, size, size);
  draw.fill();
  draw.save();
  draw.translate(6, 8);
  draw.scale(2, 2);
  draw.fillStyle = "#fff";
  draw.fill(new Path2D(LOGO_PATH));
  draw.restore();
  draw.beginPath();
  draw.arc(size - 19, 19, 18, 0, Math.PI * 2);
  draw.fillStyle = "#d93045";
  draw.fill();
  draw.lineWidth = 3;
  draw.strokeStyle = "#fff";
  draw.stroke();
  draw.fillStyle = "#fff";
  draw.font = "bold 24px system-ui, sans-serif";
  draw.textAlign = "center";
  draw.textBaseline = "middle";
  draw.fillText(total > 9 ? "9+" : String(total), size - 19, 20);
  return canvas.toDataURL("image/png");
}

export function createNotify(ctx) {
  const { girlId } = ctx;
  const enabled = ctx.root.dataset.notifications !== "off";
  const icon = document.querySelector('link[rel="icon"]');
  const plainIcon = icon ? icon.getAttribute("href") : "";
  const prompt = document.getElementById("notify-prompt");
  let shownTotal = 0;

  // ------------------------------------------------------------ the total in the title and the favicon

  function showTotal(total) {
    document.title = titleWithCount(document.title, total);
    if (!icon || total === shownTotal) return;
    shownTotal = total;
    const badged = total > 0 ? drawBadgedIcon(total) : null;
    icon.setAttribute("href", badged || plainIcon);
    icon.dataset.count = String(total);
  }

  // ------------------------------------------------------------ notifications

  /** Whether a reply notifies: the setting on, the tab hidden, permission given, the reply recent. */
  function mayNotify(message) {
    if (!enabled || document.visibilityState !== "hidden" || !notificationsSupported()) return false;
    if (window.Notification.permission !== "granted") return false;
    const sent = Date.parse(message.created_at);
    return !(Number.isFinite(sent) && Date.now() - sent > NOTIFY_NEWER_THAN_MS);
  }

  /** A companion's reply in a group chat: titled with the group, "Emma: ..." as the body, one per group. */
  function groupArrived(message, { name = "", author = "" } = {}) {
    if (!mayNotify(message)) return;
    const groupId = message.group_id;
    const text = previewOf(message, 120).text;
    let notification;
    try {
      notification = new window.Notification(name || "DreamChat", {
        body: author ? `${author}: ${text}` : text,
        icon: message.girl_id ? `/companions/${encodeURIComponent(message.girl_id)}/avatar?size=128` : undefined,
        tag: `dreamchat-group-${groupId}`,
      });
    } catch {
      return;
    }
    notification.onclick = () => {
      window.focus();
      notification.close();
      if (groupId !== ctx.groupId) window.location.assign(`/groups/${encodeURIComponent(groupId)}`);
    };
  }

  function arrived(message, name) {
    if (!mayNotify(message)) return;
    const conversation = message.girl_id;
    let notification;
    try {
      notification = new window.Notification(name || "DreamChat", {
        body: previewOf(message, 120).text,
        icon: `/companions/${encodeURIComponent(conversation)}/avatar?size=128`,
        tag: `dreamchat-${conversation}`,
      });
    } catch {
      return; // some browsers only notify from a service worker
    }
    notification.onclick = () => {
      window.focus();
      notification.close();
      if (conversation !== girlId) window.location.assign(`/chat/${encodeURIComponent(conversation)}`);
    };
  }

  // ------------------------------------------------------------ the banner that asks

  function hidePrompt() {
    if (prompt) prompt.hidden = true;
  }

  /** After the user's message (never on page load): offer notifications once, unless answered before. */
  function userSent() {
    if (!prompt || !prompt.hidden || !enabled || !notificationsSupported()) return;
    if (window.Notification.permission !== "default" || stored(PROMPT_DISMISSED_KEY) === "later") return;
    const atBottom = ctx.scroll.nearBottom();
    prompt.hidden = false;
    if (atBottom) ctx.scroll.toBottom();
  }

  if (prompt) {
    prompt.querySelector(".notify-prompt__on").addEventListener("click", () => {
      hidePrompt();
      const asked = window.Notification.requestPermission();
      if (asked && typeof asked.then === "function") asked.catch(() => {});
    });
    prompt.querySelector(".notify-prompt__later").addEventListener("click", () => {
      store(PROMPT_DISMISSED_KEY, "later");
      hidePrompt();
    });
  }

  return { showTotal, arrived, groupArrived, userSent };
}
