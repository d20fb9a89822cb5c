// Every page: local times, companion colours, forms that ask before they submit, outboxes cleared at sign-out.
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
