// The page at the redirect URI. MSAL 5 needs it to hand the auth response of
// a popup or silent iframe back to the main window; without it popups never
// close and ssoSilent times out.
import { broadcastResponseToMainFrame } from "@azure/msal-browser/redirect-bridge";

broadcastResponseToMainFrame().catch(() => {
  document.body.textContent = "This window can be closed.";
});
