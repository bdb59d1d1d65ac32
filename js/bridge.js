// The only place MSAL.js is touched. Rust calls these functions through
// wasm-bindgen (src/bridge/msal.rs). Every function speaks plain strings:
// JSON in, JSON out, and a rejected promise carries a JSON error
// {kind, code, message}. Access tokens leave this file only as the resolved
// value of `acquireToken`, straight into the request that needs them.
import {
  PublicClientApplication,
  InteractionRequiredAuthError,
  BrowserAuthError,
} from "@azure/msal-browser";

let app = null;
let loginScopes = [];
let extraScopes = [];

function fail(kind, code, message) {
  return JSON.stringify({ kind, code: code || "", message: message || "" });
}

// MSAL errors carry `errorCode`; turn them into the bridge's error kinds so
// Rust can decide between "ask the admin to sign in" and "something broke".
function toBridgeError(err) {
  const code = (err && (err.errorCode || err.name)) || "unknown";
  const message = (err && (err.errorMessage || err.message)) || String(err);
  if (err instanceof InteractionRequiredAuthError || code === "login_required" ||
      code === "interaction_required" || code === "consent_required" ||
      code === "no_account_error" || code === "no_tokens_found" ||
      code === "redirect_bridge_timeout" || code === "monitor_window_timeout") {
    return fail("interaction_required", code, message);
  }
  if (code === "user_cancelled" || code === "popup_window_error" ||
      code === "empty_window_error") {
    return fail(code === "user_cancelled" ? "cancelled" : "popup_blocked", code, message);
  }
  if (err instanceof BrowserAuthError && code === "no_network_connectivity") {
    return fail("network", code, message);
  }
  return fail("other", code, message);
}

function accountJson(account) {
  if (!account) return "null";
  return JSON.stringify({
    home_account_id: account.homeAccountId,
    tenant_id: account.tenantId,
    username: account.username,
    name: account.name || account.username,
  });
}

function requireApp() {
  if (!app) throw new Error(fail("other", "not_initialised", "the sign-in bridge was used before init"));
}

// config: {clientId, authority, knownAuthorities[], redirectUri, loginScopes[], extraScopes[]}
export async function bridgeInit(configJson) {
  const config = JSON.parse(configJson);
  loginScopes = config.loginScopes || [];
  extraScopes = config.extraScopes || [];
  try {
    app = new PublicClientApplication({
      auth: {
        clientId: config.clientId,
        authority: config.authority,
        knownAuthorities: config.knownAuthorities || [],
        redirectUri: config.redirectUri,
        postLogoutRedirectUri: config.postLogoutRedirectUri || config.redirectUri,
      },
      // Never localStorage: tokens must not outlive the tab.
      cache: { cacheLocation: "sessionStorage" },
    });
    await app.initialize();
  } catch (err) {
    app = null;
    throw toBridgeError(err);
  }
  const accounts = app.getAllAccounts();
  const account = app.getActiveAccount() || (accounts.length === 1 ? accounts[0] : null);
  if (account) app.setActiveAccount(account);
  return accountJson(account);
}

// Reuses an existing Microsoft session without showing anything.
export async function bridgeSsoSilent(loginHint) {
  requireApp();
  try {
    const request = { scopes: loginScopes, extraScopesToConsent: extraScopes };
    if (loginHint) request.loginHint = loginHint;
    const result = await app.ssoSilent(request);
    app.setActiveAccount(result.account);
    return accountJson(result.account);
  } catch (err) {
    throw toBridgeError(err);
  }
}

// One consent prompt for every resource the tool needs (extraScopesToConsent),
// so that later silent token requests for Dataverse and Graph succeed.
export async function bridgeSignInPopup() {
  requireApp();
  try {
    const result = await app.loginPopup({
      scopes: loginScopes,
      extraScopesToConsent: extraScopes,
      prompt: "select_account",
    });
    app.setActiveAccount(result.account);
    return accountJson(result.account);
  } catch (err) {
    throw toBridgeError(err);
  }
}

// One resource per call, as Entra requires.
export async function bridgeAcquireToken(scope) {
  requireApp();
  const account = app.getActiveAccount();
  if (!account) throw fail("interaction_required", "no_account_error", "nobody is signed in");
  try {
    const result = await app.acquireTokenSilent({ scopes: [scope], account });
    return result.accessToken;
  } catch (err) {
    throw toBridgeError(err);
  }
}

export async function bridgeSignOut() {
  requireApp();
  const account = app.getActiveAccount();
  // Clears this tab's cache only; the admin's Microsoft session stays.
  await app.clearCache({ account });
  app.setActiveAccount(null);
}
