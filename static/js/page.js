// Every page: local times, companion colours, forms that ask before they submit, outboxes cleared at sign-out,
// the colour theme toggle.
import { applyAccent } from "./lib/dom.js";
import { localizeTimes } from "./lib/time.js";
import { clearOutboxesOnSignOut } from "./session.js";

localizeTimes(document);

for (const card of document.querySelectorAll(".companion-card[data-accent], .memory-group[data-accent]")) {
  applyAccent(card, card);
}

// Destructive forms ask first (the memory page's "Erase everything").
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

clearOutboxesOnSignOut(document);

// The light / dark / system toggle in the site header; static/js/theme-boot.js applies the saved
// choice before the first paint, this keeps the buttons, the page and other tabs in step.
const THEME_KEY = "dreamchat.theme";
const THEMES = ["light", "dark", "system"];

function savedTheme() {
  try {
    const choice = localStorage.getItem(THEME_KEY);
    return THEMES.includes(choice) ? choice : "system";
  } catch {
    return "system";
  }
}

function showTheme(choice) {
  if (choice === "system") document.documentElement.removeAttribute("data-theme");
  else document.documentElement.setAttribute("data-theme", choice);
  for (const button of document.querySelectorAll("[data-theme-choice]")) {
    button.setAttribute("aria-pressed", String(button.dataset.themeChoice === choice));
  }
}

for (const button of document.querySelectorAll("[data-theme-choice]")) {
  button.addEventListener("click", () => {
    const choice = button.dataset.themeChoice;
    try {
      if (choice === "system") localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, choice);
    } catch {
      // Storage blocked: the choice lasts for this page only.
    }
    showTheme(choice);
  });
}

window.addEventListener("storage", (event) => {
  if (event.key === THEME_KEY || event.key === null) showTheme(savedTheme());
});

showTheme(savedTheme());
