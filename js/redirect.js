// The page at the redirect URI. MSAL 5 needs it to hand the auth response of
// a popup or silent iframe back to the main window; without it popups never
// close and ssoSilent times out.
import { broadcastResponseToMainFrame } from "@azure/msal-browser/redirect-bridge";

// Tells the app's bridge that Microsoft answered (nothing of the answer itself), so
// that a sign-in window closed afterwards is not taken for one the admin closed.
// The name must match ANSWERED_CHANNEL in js/bridge.js.
try {
  const channel = new BroadcastChannel("w365-appuser.sign-in-answered");
  channel.postMessage("answered");
  channel.close();
} catch {
  // No BroadcastChannel: the bridge then waits for MSAL as MSAL does.
}

broadcastResponseToMainFrame().catch(() => {
  document.body.textContent = "This window can be closed.";
});
