// Runs on the Power Platform admin center. It reads one thing, the environment
// id in the page's address (…/environments/{id}/…), and offers a button that
// opens the extension with that environment preselected. It reads nothing else
// from the page and never receives a token.
//
// The page cannot drive the button: it lives in a closed shadow root (the page's
// scripts get no handle on it), and only a click the browser itself reports as
// the person's (`event.isTrusted`) opens anything; a click a script makes or
// dispatches is ignored. The service worker rate-limits opening on top.
(() => {
  const ENVIRONMENT_PATH = /\/environments\/(?:environment\/)?((?:Default-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?=\/|$)/i;
  const LABEL = "Switch Work 365 to the application user";

  // A closed shadow root keeps the page's styles and scripts away from the button.
  const host = document.createElement("w365-appuser-launcher");
  const root = host.attachShadow({ mode: "closed" });
  const style = document.createElement("style");
  style.textContent = `
    button { position: fixed; right: 1.5rem; bottom: 1.5rem; z-index: 2147483647;
      font: 600 14px/1.2 "Segoe UI", system-ui, sans-serif; color: #fff; background: #0b556a;
      border: 0; border-radius: 4px; padding: .7rem 1rem; box-shadow: 0 2px 8px rgb(0 0 0 / .3);
      cursor: pointer; }
    button:hover { background: #073d4c; }
    button:focus-visible { outline: 3px solid #f2c811; outline-offset: 2px; }`;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = LABEL;
  button.dataset.testid = "w365-switch";
  root.append(style, button);

  let environmentId = null;
  button.addEventListener("click", (event) => {
    // Only the person's own click (or key press on the focused button) counts.
    if (!event.isTrusted || !environmentId) return;
    chrome.runtime.sendMessage({ type: "open-environment", environmentId }).catch(() => {});
  });

  // The admin center is a single-page app: its address changes without a reload.
  function sync() {
    const match = location.pathname.match(ENVIRONMENT_PATH);
    environmentId = match ? match[1] : null;
    button.title = environmentId ? `${LABEL} (environment ${environmentId})` : "";
    if (environmentId && !host.isConnected) document.documentElement.append(host);
    if (!environmentId && host.isConnected) host.remove();
  }
  sync();
  setInterval(sync, 1000);
})();
