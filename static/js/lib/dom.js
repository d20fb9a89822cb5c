// Small DOM helpers: elements, inline SVG icons, <template> clones, growing text areas, companion colours.
// All user and companion text goes into the page through textContent, never innerHTML.

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const SVG_NS = "http://www.w3.org/2000/svg";

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

export function svgIcon(pathData, { size = 16, fill = "none", stroke = "currentColor", strokeWidth = 2 } = {}) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", pathData);
  path.setAttribute("fill", fill);
  if (fill === "none") {
    path.setAttribute("stroke", stroke);
    path.setAttribute("stroke-width", String(strokeWidth));
    path.setAttribute("stroke-linecap", "round");
    path.setAttribute("stroke-linejoin", "round");
  }
  svg.append(path);
  return svg;
}

/** A copy of the first element of <template id=…>. It stays inert (no image loads) until it is put in the page. */
export function cloneTemplate(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

/** Set a node's text, or remove the node when there is no text. */
export function textOrRemove(node, text) {
  if (!node) return;
  if (text) node.textContent = text;
  else node.remove();
}

/** Grow a text area with its text up to maxLines; true when it needs to scroll beyond that. */
export function autoGrow(area, maxLines) {
  area.style.setProperty("height", "auto");
  const styles = getComputedStyle(area);
  const lineHeight = Number.parseFloat(styles.lineHeight) || 22;
  const padding = Number.parseFloat(styles.paddingTop) + Number.parseFloat(styles.paddingBottom);
  const border = Number.parseFloat(styles.borderTopWidth) + Number.parseFloat(styles.borderBottomWidth);
  const max = lineHeight * maxLines + padding + border;
  const wanted = area.scrollHeight + border;
  area.style.setProperty("height", `${Math.min(wanted, max)}px`);
  return wanted > max;
}

/** Companion colours from data-accent / data-accent2, applied through CSSOM (the CSP allows it). */
export function applyAccent(target, source) {
  const accent = source.dataset.accent;
  const accent2 = source.dataset.accent2;
  if (accent && HEX_COLOR.test(accent)) target.style.setProperty("--accent", accent);
  if (accent2 && HEX_COLOR.test(accent2)) target.style.setProperty("--accent-2", accent2);
}
