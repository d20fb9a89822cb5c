// Debug logging to the browser console, on with ?debug=1 or localStorage dreamchatDebug = "1".

export const debugEnabled = (() => {
  try {
    return new URLSearchParams(location.search).get("debug") === "1"
      || localStorage.getItem("dreamchatDebug") === "1";
  } catch {
    return false;
  }
})();

export function debug(...args) {
  if (debugEnabled) console.log("[dreamchat]", ...args);
}
