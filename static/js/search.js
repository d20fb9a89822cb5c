// Owns the message search boxes (templates/search/_search_box.html): results as you type from /api/search,
// a listbox driven by the keyboard (arrows, Enter, Escape). Without this module the box is a plain form to /search.
// Snippets go into the page through textContent; the matched words become <mark> elements from their ranges.
import { el } from "./lib/dom.js";
import { formatClock, formatDay, parseTime, startOfDay } from "./lib/time.js";

const DEBOUNCE_MS = 200;
const SHOWN = 8;

function companionAvatar(slug) {
  const img = el("img", "search-option__avatar");
  img.src = `/companions/${encodeURIComponent(slug)}/avatar?size=64`;
  img.alt = "";
  img.width = 32;
  img.height = 32;
  return img;
}

function when(iso) {
  const date = parseTime(iso);
  return startOfDay(date) === startOfDay(new Date()) ? formatClock(date) : formatDay(date);
}

/** The snippet as text nodes and <mark>s; ranges are [start, end) in code points, in order. */
export function highlightedSnippet(snippet, ranges) {
  const fragment = document.createDocumentFragment();
  const chars = Array.from(snippet);
  let at = 0;
  for (const range of Array.isArray(ranges) ? ranges : []) {
    const [start, end] = range;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < at || end <= start || end > chars.length) continue;
    if (start > at) fragment.append(chars.slice(at, start).join(""));
    fragment.append(el("mark", "search-option__match", chars.slice(start, end).join("")));
    at = end;
  }
  if (at < chars.length) fragment.append(chars.slice(at).join(""));
  return fragment;
}

export function resultHref(result) {
  if (typeof result.url === "string" && result.url.startsWith("/")) return result.url; // a group chat's too
  return `/chat/${encodeURIComponent(result.girl_id)}?message=${encodeURIComponent(result.message.id)}`;
}

function setUpBox(form) {
  const input = form.querySelector(".search-box__input");
  const listbox = form.querySelector(".search-box__results");
  const status = form.querySelector(".search-box__status");
  const endpoint = form.dataset.endpoint || "/api/search";
  const pageUrl = form.getAttribute("action") || "/search";
  let timer = 0;
  let inFlight = null;
  let active = -1;
  let lastQuery = "";

  function options() {
    return Array.from(listbox.querySelectorAll("[role=option]"));
  }

  function open() {
    if (!listbox.childElementCount) return;
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  }

  function setActive(index) {
    const all = options();
    active = all.length ? Math.max(-1, Math.min(index, all.length - 1)) : -1;
    all.forEach((option, i) => {
      const on = i === active;
      option.classList.toggle("is-active", on);
      option.setAttribute("aria-selected", on ? "true" : "false");
      if (on) option.scrollIntoView({ block: "nearest" });
    });
    if (active >= 0) input.setAttribute("aria-activedescendant", all[active].id);
    else input.removeAttribute("aria-activedescendant");
  }

  function option(id, href, className) {
    const item = el("li", `search-option ${className || ""}`.trim());
    item.id = id;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    item.dataset.href = href;
    return item;
  }

  function render(results, query) {
    const items = [];
    results.slice(0, SHOWN).forEach((result, index) => {
      const item = option(`${listbox.id}-${index}`, resultHref(result));
      item.append(companionAvatar(result.girl_id));
      const body = el("span", "search-option__body");
      const top = el("span", "search-option__top");
      const name = result.companion_name || result.girl_id;
      top.append(el("span", "search-option__name", result.message.sender === "user" ? `You to ${name}` : name));
      const time = el("time", "search-option__time", when(result.message.created_at));
      time.dateTime = result.message.created_at || "";
      top.append(time);
      const snippet = el("span", "search-option__snippet");
      snippet.append(highlightedSnippet(String(result.snippet || ""), result.highlights));
      body.append(top, snippet);
      item.append(body);
      items.push(item);
    });
    if (results.length) {
      const all = option(`${listbox.id}-all`, `${pageUrl}?q=${encodeURIComponent(query)}`, "search-option--all");
      all.textContent = "See all results";
      items.push(all);
    } else {
      const none = el("li", "search-box__empty", "No messages found");
      none.setAttribute("role", "presentation");
      items.push(none);
    }
    listbox.replaceChildren(...items);
    status.textContent = results.length ? `${Math.min(results.length, SHOWN)} results` : "No messages found";
    setActive(-1);
    open();
  }

  function showProblem(text) {
    const item = el("li", "search-box__empty", text);
    item.setAttribute("role", "presentation");
    listbox.replaceChildren(item);
    status.textContent = text;
    setActive(-1);
    open();
  }

  async function run(query) {
    if (inFlight) inFlight.abort();
    const controller = new AbortController();
    inFlight = controller;
    try {
      const response = await fetch(`${endpoint}?q=${encodeURIComponent(query)}&limit=${SHOWN + 1}`, {
        headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller.signal,
      });
      if (response.redirected || response.status === 401) {
        window.location.assign(`${pageUrl}?q=${encodeURIComponent(query)}`);
        return;
      }
      const data = await response.json().catch(() => ({}));
      if (controller !== inFlight) return;
      if (!response.ok) {
        showProblem((data.error && data.error.message) || "Search is not available right now.");
        return;
      }
      render(Array.isArray(data.results) ? data.results : [], query);
    } catch (error) {
      if (error.name !== "AbortError" && controller === inFlight) showProblem("Search is not available right now.");
    } finally {
      if (controller === inFlight) inFlight = null;
    }
  }

  function go(item) {
    if (item && item.dataset.href) window.location.assign(item.dataset.href);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value;
    if (!query.trim()) {
      if (inFlight) inFlight.abort();
      lastQuery = "";
      listbox.replaceChildren();
      status.textContent = "";
      close();
      return;
    }
    timer = setTimeout(() => {
      if (query === lastQuery) { open(); return; }
      lastQuery = query;
      run(query);
    }, DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    const count = options().length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!count) return;
      event.preventDefault();
      if (listbox.hidden) { open(); setActive(event.key === "ArrowDown" ? 0 : count - 1); return; }
      const next = event.key === "ArrowDown" ? active + 1 : active - 1;
      setActive(next >= count ? 0 : next < 0 ? count - 1 : next);
    } else if (event.key === "Enter") {
      if (!listbox.hidden && active >= 0) {
        event.preventDefault();
        go(options()[active]);
      }
    } else if (event.key === "Escape") {
      if (!listbox.hidden) {
        event.preventDefault();
        close();
      } else if (input.value) {
        event.preventDefault();
        input.value = "";
        lastQuery = "";
        listbox.replaceChildren();
      }
    }
  });

  input.addEventListener("focus", () => { if (input.value.trim() && listbox.childElementCount) open(); });

  // mousedown keeps the focus in the input (the list would otherwise close on blur first).
  listbox.addEventListener("mousedown", (event) => event.preventDefault());
  listbox.addEventListener("click", (event) => go(event.target.closest("[role=option]")));
  listbox.addEventListener("mousemove", (event) => {
    const item = event.target.closest("[role=option]");
    if (item) setActive(options().indexOf(item));
  });

  document.addEventListener("click", (event) => { if (!form.contains(event.target)) close(); });
  form.addEventListener("focusout", (event) => { if (!form.contains(event.relatedTarget)) close(); });
}

for (const form of document.querySelectorAll("form[data-search-box]")) {
  if (form.dataset.searchReady) continue;
  form.dataset.searchReady = "true";
  setUpBox(form);
}
