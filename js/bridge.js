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
// In a browser extension MSAL cannot open its own popup or iframe on the redirect
// URI (`https://{id}.chromiumapp.org/` exists only for chrome.identity), so its
// redirect flow is used instead: MSAL builds the request and hands us the URL
// (onRedirectNavigate, returning false so the page stays), chrome.identity runs
// it in its own window, and MSAL redeems the answer (handleRedirectPromise).
let extension = false;
let navigateTo = null;

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
  extension = Boolean(config.browserExtension);
  if (extension) {
    const given = globalThis.chrome?.identity?.getRedirectURL?.();
    if (!given) throw fail("other", "no_identity_api", "this extension page has no chrome.identity API (is the identity permission granted?)");
    if (given !== config.redirectUri) {
      throw fail("other", "redirect_uri_mismatch", `the extension's redirect URI is ${given}, not ${config.redirectUri}`);
    }
  }
  try {
    app = new PublicClientApplication({
      auth: {
        clientId: config.clientId,
        authority: config.authority,
        knownAuthorities: config.knownAuthorities || [],
        redirectUri: config.redirectUri,
        postLogoutRedirectUri: config.postLogoutRedirectUri || config.redirectUri,
        onRedirectNavigate: extension ? handOverToIdentityApi : undefined,
      },
      // Never localStorage: tokens must not outlive the tab (or the extension's
      // panel). MSAL refuses its redirect flow with memoryStorage
      // (in_mem_redirect_unavailable), so the extension uses sessionStorage too.
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
    const result = extension
      ? await viaIdentityApi({ ...request, prompt: "none" }, false)
      : await app.ssoSilent(request);
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
    const request = { scopes: loginScopes, extraScopesToConsent: extraScopes, prompt: "select_account" };
    const result = extension ? await viaIdentityApi(request, true) : await app.loginPopup(request);
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

// MSAL's redirect flow calls this with the authorize URL; false keeps the page.
function handOverToIdentityApi(url) {
  const resolve = navigateTo;
  navigateTo = null;
  if (resolve) resolve(url);
  return false;
}

// Runs one MSAL redirect request through chrome.identity.launchWebAuthFlow.
// `interactive: false` is the extension's ssoSilent: it succeeds only when the
// Microsoft session cookie answers prompt=none without showing anything.
async function viaIdentityApi(request, interactive) {
  const url = await new Promise((resolve, reject) => {
    navigateTo = resolve;
    app.acquireTokenRedirect(request).catch((err) => {
      navigateTo = null;
      reject(err);
    });
  });
  let responseUrl;
  try {
    responseUrl = await chrome.identity.launchWebAuthFlow({ url, interactive });
  } catch (err) {
    // MSAL still counts the redirect as in progress; a response that is not one
    // clears its request cache so that the next attempt may start.
    await app.handleRedirectPromise({ hash: `#cancelled=${Date.now()}`, navigateToLoginRequestUrl: false }).catch(() => {});
    const message = (err && err.message) || String(err);
    // "The user did not approve access." when the window is closed; "User
    // interaction required." when a silent attempt would need a prompt.
    const code = interactive ? "user_cancelled" : "interaction_required";
    throw Object.assign(new Error(message), { errorCode: code, errorMessage: message });
  }
  const result = await app.handleRedirectPromise({
    hash: new URL(responseUrl).hash,
    navigateToLoginRequestUrl: false,
  });
  if (!result) throw Object.assign(new Error("no answer from the sign-in window"), { errorCode: "no_server_response" });
  return result;
}
