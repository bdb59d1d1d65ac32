// The extension's service worker. It opens the app (index.html) when asked: by
// the toolbar button, or by the content script's button on an admin-center
// environment page, with that environment preselected (`index.html?env=…`).
// It never sees a token: sign-in happens in the app's own page.

const ENVIRONMENT_ID = /^(?:Default-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// At most one opening per tab in this long: a page that somehow got the person to
// click repeatedly, or a script that got around the content script, still cannot
// open the tool over and over. Kept in the worker's memory: a worker that was
// stopped (after 30 s idle) starts with no history, which is already longer.
const OPEN_INTERVAL_MS = 3000;
const lastOpened = new Map();

// The admin centers the content script runs on (the manifest's own list, so the
// packaged cloud's): a message from any other page is not ours.
const ADMIN_CENTERS = (chrome.runtime.getManifest().content_scripts ?? [])
  .flatMap((script) => script.matches ?? [])
  .map((pattern) => pattern.replace(/\/\*$/, ""));
chrome.tabs.onRemoved.addListener((tabId) => lastOpened.delete(tabId));

// Where the browser has a side panel, the toolbar button opens it; elsewhere
// (no chrome.sidePanel) it opens the app in a tab.
if (chrome.sidePanel?.setPanelBehavior) {
  chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch(() => {});
} else {
  chrome.action.onClicked.addListener((tab) => openInTab("index.html", tab));
}

chrome.runtime.onMessage.addListener((message, sender, reply) => {
  // Only our own content script, in a tab's top frame on an admin center, asking for one environment.
  if (sender.id !== chrome.runtime.id || !sender.tab || message?.type !== "open-environment") return false;
  if (sender.frameId !== 0 || !ADMIN_CENTERS.includes(sender.origin)) {
    reply({ opened: null, error: "not from an admin-center page" });
    return false;
  }
  if (typeof message.environmentId !== "string" || !ENVIRONMENT_ID.test(message.environmentId)) {
    reply({ opened: null, error: "not an environment id" });
    return false;
  }
  const now = Date.now();
  const last = lastOpened.get(sender.tab.id);
  if (last !== undefined && now - last < OPEN_INTERVAL_MS) {
    reply({ opened: null, error: "opened a moment ago" });
    return false;
  }
  lastOpened.set(sender.tab.id, now);
  const path = `index.html?env=${encodeURIComponent(message.environmentId)}`;
  openApp(path, sender.tab).then(reply, (error) => reply({ opened: null, error: String(error?.message || error) }));
  return true; // the reply is asynchronous
});

// The side panel where there is one and it may open, else a tab next to the page.
// sidePanel.open() must run while the click's user gesture lasts, so setOptions
// is not awaited first (the browser applies the calls in order).
async function openApp(path, tab) {
  if (chrome.sidePanel?.open && tab.id !== undefined) {
    try {
      chrome.sidePanel.setOptions({ tabId: tab.id, path, enabled: true }).catch(() => {});
      await chrome.sidePanel.open({ tabId: tab.id });
      return { opened: "side-panel", path };
    } catch {
      // No gesture left, or a browser without a usable panel: a tab works everywhere.
    }
  }
  await openInTab(path, tab);
  return { opened: "tab", path };
}

function openInTab(path, tab) {
  const placement = tab?.id !== undefined ? { index: tab.index + 1, openerTabId: tab.id } : {};
  return chrome.tabs.create({ url: chrome.runtime.getURL(path), ...placement });
}
