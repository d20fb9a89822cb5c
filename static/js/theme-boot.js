// The saved colour theme, applied before the first paint. A classic blocking script in <head>
// (the CSP allows no inline script); static/js/page.js runs the toggle and saves the choice.
(function () {
  var choice = null;
  try {
    choice = window.localStorage.getItem("dreamchat.theme");
  } catch (error) {
    // Storage blocked: follow the system setting.
  }
  if (choice === "light" || choice === "dark") document.documentElement.setAttribute("data-theme", choice);
})();
