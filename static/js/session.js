// Every page: the outbox of unsent messages (see OUTBOX_KEY in chat.js) does not outlive the
// session. It is cleared when the user signs out or deletes the account, and by chat.js when the
// server says `logged_out`.

const OUTBOX_PREFIX = "dreamchat.outbox.";

function clearOutboxes() {
  try {
    const keys = [];
    for (let index = 0; index < localStorage.length; index += 1) {
      const key = localStorage.key(index);
      if (key && key.startsWith(OUTBOX_PREFIX)) keys.push(key);
    }
    for (const key of keys) localStorage.removeItem(key);
  } catch {
    // Storage disabled (private mode, a policy): there is nothing to clear.
  }
}

window.dreamchatSession = { clearOutboxes };

// Listening on the document, after the form's own listeners: a cancelled confirm() keeps the outbox.
document.addEventListener("submit", (event) => {
  if (event.defaultPrevented) return;
  if (event.target.matches("form.logout-form, form.delete-account-form")) clearOutboxes();
});
