// Owns the chat page's entry: starts the chat (app.js), or says "Chat unavailable" when its modules cannot load.

const root = document.getElementById("chat");
if (root) {
  import("./app.js").then(({ startChat }) => startChat(root), (error) => {
    const status = document.getElementById("connection-status");
    if (status) {
      status.dataset.state = "disconnected";
      status.querySelector(".connection__text").textContent = "Chat unavailable";
    }
    console.error("[dreamchat] the chat could not load", error);
  });
}
