// Owns the outbox storage keys' lifetime: every outbox is cleared at sign-out, account deletion and `logged_out`.
// No DOM work at import, so node can load it (tests/js/outbox.test.mjs).

export const OUTBOX_PREFIX = "dreamchat.outbox.";

/** Remove every user's outbox from storage (localStorage unless given). */
export function clearOutboxes(storage) {
  try {
    const store = storage || globalThis.localStorage;
    const keys = [];
    for (let index = 0; index < store.length; index += 1) {
      const key = store.key(index);
      if (key && key.startsWith(OUTBOX_PREFIX)) keys.push(key);
    }
    for (const key of keys) store.removeItem(key);
  } catch {
    // Storage disabled (private mode, a policy): there is nothing to clear.
  }
}

/** Sign out and account deletion clear the outboxes. The listener is on the document, so the form's
 *  own listeners run first: a cancelled confirm() keeps the outbox. */
export function clearOutboxesOnSignOut(doc) {
  doc.addEventListener("submit", (event) => {
    if (event.defaultPrevented) return;
    if (event.target.matches("form.logout-form, form.delete-account-form")) clearOutboxes();
  });
}
