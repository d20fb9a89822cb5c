// Owns the "may message you first" switch in the chat header: set_proactive, and the
// proactive_changed event that keeps every tab's switch the same.
import { errorText } from "./connection.js";

export function createProactive(ctx) {
  const { girlId, root } = ctx;
  const input = document.getElementById("proactive-switch");
  if (!input) return { get enabled() { return false; } };
  let enabled = root.dataset.proactive === "true";

  function show(value) {
    enabled = value;
    input.checked = value;
    root.dataset.proactive = value ? "true" : "false";
  }

  input.addEventListener("change", () => {
    const wanted = input.checked;
    input.disabled = true;
    ctx.connection.request("set_proactive", { girl_id: girlId, enabled: wanted }, (error, ack) => {
      input.disabled = false;
      if (!error && ack && ack.ok) {
        show(ack.enabled);
        return;
      }
      show(!wanted);
      ctx.notices.show(error ? "The server did not answer; the setting was not saved."
        : errorText(ack, "The setting could not be saved."));
    });
  });

  ctx.sync.on("proactive_changed", (payload) => {
    if (!payload || payload.girl_id !== girlId || typeof payload.enabled !== "boolean") return;
    show(payload.enabled);
  });

  show(enabled);
  return { get enabled() { return enabled; } };
}
