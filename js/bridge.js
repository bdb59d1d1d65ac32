// The only place MSAL.js is touched. Rust calls these functions through
// wasm-bindgen (src/bridge/msal.rs). Every function speaks plain strings:
// JSON in, JSON out, and a rejected promise carries a JSON error
// {kind, code, message}. Access tokens leave this file only as the resolved
// value of `acquireToken`, straight into the request that needs them.
//
// Every token lives in this page's memory only (MSAL's memoryStorage): gone on a
// reload, when the page signs in again silently with the admin's login hint. The
// only thing MSAL 5 still writes to sessionStorage with memoryStorage is its
// interaction flag `msal.interaction.status` ({clientId, type}) while a popup
// is open: its temporary cache is sessionStorage, not configurable in MSAL 5.
import {
  PublicClientApplication,
  AuthError,
  InteractionRequiredAuthError,
  BrowserAuthError,
  CacheLookupPolicy,
} from "@azure/msal-browser";
import { nonceCheckingNetworkClient } from "./nonce_guard.mjs";

let app = null;
// Asked for at sign-in: the Dynamics permission (discovery and every environment).
let loginScopes = [];
// Never asked for at sign-in, in a prompt or a hidden iframe: only redeemed from the
// refresh token, so that a permission nobody consented to (Graph's
// Application.Read.All) answers "interaction required" at once and never blocks
// sign-in (Entra's "Need admin approval").
let optionalScopes = [];
// In a browser extension the tokens live only in the extension page's memory
// (MSAL's memoryStorage), gone when the side panel or tab closes. MSAL cannot
// open its popup or iframe on the redirect URI there (`https://{id}.chromiumapp.org/`
// exists only for chrome.identity) and refuses its redirect flow with
// memoryStorage (in_mem_redirect_unavailable), so this file makes the
// authorization request itself (PKCE S256, state, nonce), chrome.identity runs it
// in its own window, and MSAL redeems the code (acquireTokenByCode): MSAL then
// holds the account and every token, and renews per-resource tokens from the
// refresh token in memory. See viaIdentityApi.
let extension = false;
let clientId = "";
let authorizeEndpoint = "";
let redirectUri = "";

function fail(kind, code, message) {
  return JSON.stringify({ kind, code: code || "", message: message || "" });
}

// MSAL errors carry `errorCode`; turn them into the bridge's error kinds so
// Rust can decide between "ask the admin to sign in" and "something broke".
function toBridgeError(err) {
  const code = (err && (err.errorCode || err.name)) || "unknown";
  const message = (err && (err.errorMessage || err.message)) || String(err);
  // Entra's own refusals that the admin fixes in config.json or in Entra.
  const aadsts = message.match(/AADSTS(\d+)/)?.[1];
  if (aadsts === "50194") return fail("tenant_required", "AADSTS50194", message);
  if (aadsts === "90002") return fail("unknown_tenant", "AADSTS90002", message);
  if (aadsts === "65004" || code === "access_denied") return fail("consent_declined", aadsts ? `AADSTS${aadsts}` : code, message);
  if (err instanceof InteractionRequiredAuthError || code === "login_required" ||
      code === "interaction_required" || code === "consent_required" ||
      code === "no_account_error" || code === "no_tokens_found" ||
      code === "redirect_bridge_timeout" || code === "monitor_window_timeout" ||
      err?.subError === "redirect_bridge_timeout" || err?.subError === "monitor_window_timeout") {
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

// config: {clientId, authority, knownAuthorities[], redirectUri, loginScopes[], optionalScopes[]}
export async function bridgeInit(configJson) {
  const config = JSON.parse(configJson);
  loginScopes = config.loginScopes || [];
  optionalScopes = config.optionalScopes || [];
  extension = Boolean(config.browserExtension);
  if (extension) {
    const given = globalThis.chrome?.identity?.getRedirectURL?.();
    if (!given) throw fail("other", "no_identity_api", "this extension page has no chrome.identity API (is the identity permission granted?)");
    if (given !== config.redirectUri) {
      throw fail("other", "redirect_uri_mismatch", `the extension's redirect URI is ${given}, not ${config.redirectUri}`);
    }
    clientId = config.clientId;
    redirectUri = config.redirectUri;
    // Entra's v2 endpoint under the configured authority (…/organizations, or the
    // configured directory for a single-tenant registration).
    authorizeEndpoint = `${config.authority.replace(/\/+$/, "")}/oauth2/v2.0/authorize`;
  }
  try {
    app = new PublicClientApplication({
      auth: {
        clientId: config.clientId,
        authority: config.authority,
        knownAuthorities: config.knownAuthorities || [],
        redirectUri: config.redirectUri,
        postLogoutRedirectUri: config.postLogoutRedirectUri || config.redirectUri,
      },
      // Tokens, accounts and MSAL's metadata in this page's memory only: never
      // sessionStorage or localStorage. The popup and the hidden iframe work with
      // memory; only MSAL's redirect flow would not, and it is not used.
      cache: { cacheLocation: "memoryStorage" },
      // The extension redeems codes of its own requests: its network client checks
      // the id token's nonce before MSAL sees (and caches) anything.
      system: extension ? { networkClient: nonceCheckingNetworkClient(expectedNonces, send, nonceMismatch) } : {},
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

// Reuses an existing Microsoft session without showing anything; `loginHint` is
// the username of this tab's last sign-in (after a reload), or empty.
export async function bridgeSsoSilent(loginHint) {
  requireApp();
  try {
    const request = { scopes: loginScopes };
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

// Signs in for the Dynamics permission only: discovery and every environment are
// one resource application, so later silent requests for environments succeed.
// Graph is never asked for here (see optionalScopes).
export async function bridgeSignInPopup() {
  requireApp();
  try {
    const request = { scopes: loginScopes, prompt: "select_account" };
    const result = extension ? await viaIdentityApi(request, true) : await popupSignIn(request);
    app.setActiveAccount(result.account);
    return accountJson(result.account);
  } catch (err) {
    throw toBridgeError(err);
  }
}

// Signs the runs' operator in again (the sign-in-again button). The runs belong to the account
// that started them: another account is refused, its tokens dropped at once, and the operator
// stays the active account, so no request is ever sent as the other one.
export async function bridgeSignInAgain(homeAccountId, loginHint) {
  requireApp();
  const operator = app.getAllAccounts().find((a) => a.homeAccountId === homeAccountId) || app.getActiveAccount();
  let result;
  try {
    const request = { scopes: loginScopes, prompt: "select_account", loginHint };
    result = extension ? await viaIdentityApi(request, true) : await popupSignIn(request);
  } catch (err) {
    throw toBridgeError(err);
  }
  if (result.account?.homeAccountId !== homeAccountId) {
    await app.clearCache({ account: result.account }).catch(() => {});
    if (operator) app.setActiveAccount(operator);
    throw fail("wrong_account", "wrong_account", `signed in as ${result.account?.username || "another account"}, not as ${loginHint}`);
  }
  app.setActiveAccount(result.account);
  return accountJson(result.account);
}

// The redirect page's "Microsoft answered" signal (js/redirect.js).
const ANSWERED_CHANNEL = "w365-appuser.sign-in-answered";

// MSAL 5's popup flow waits for the redirect page's answer and does not notice a
// window closed without one (it times out after a minute). A window the admin
// closed, or one that stayed on a Microsoft error page, is "cancelled" at once;
// MSAL's own wait is superseded by the next sign-in (overrideInteractionInProgress).
async function popupSignIn(request) {
  // Watching first: MSAL opens the window synchronously, before its first await.
  const closed = watchNextPopup();
  const login = app.loginPopup({ ...request, overrideInteractionInProgress: true });
  try {
    return await Promise.race([login, closed.withoutAnswer]);
  } finally {
    closed.stop();
    login.catch(() => {});
  }
}

// Watches the window the next window.open makes: `withoutAnswer` rejects with
// user_cancelled when it is closed before the redirect page said Microsoft answered.
function watchNextPopup() {
  const open = window.open;
  let popup = null;
  let answered = false;
  let timer;
  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(ANSWERED_CHANNEL) : null;
  if (channel) channel.onmessage = () => { answered = true; };
  window.open = function (...args) {
    window.open = open;
    popup = open.apply(this, args);
    return popup;
  };
  const withoutAnswer = new Promise((_, reject) => {
    timer = setInterval(() => {
      if (popup?.closed && !answered && channel) {
        clearInterval(timer);
        reject(authError("user_cancelled", "the sign-in window was closed before Microsoft answered"));
      }
    }, 250);
  });
  withoutAnswer.catch(() => {});
  return {
    withoutAnswer,
    stop() {
      clearInterval(timer);
      if (window.open !== open) window.open = open;
      channel?.close();
    },
  };
}

// One resource per call, as Entra requires. Answers {token, expiresOn} (expiresOn: Unix ms,
// or 0 when MSAL gave none) as an object, so that the token never goes through a JSON text
// and the Rust side can keep it until shortly before it expires (src/bridge/token_memo.rs).
export async function bridgeAcquireToken(scope) {
  requireApp();
  const account = app.getActiveAccount();
  if (!account) throw fail("interaction_required", "no_account_error", "nobody is signed in");
  try {
    const request = { scopes: [scope], account };
    // An extension page cannot run MSAL's hidden-iframe renewal (its redirect URI
    // exists only for chrome.identity): past the refresh token, sign in again. An
    // optional scope never goes to the iframe either: prompt=none grants no consent.
    if (extension || optionalScopes.includes(scope)) {
      request.cacheLookupPolicy = CacheLookupPolicy.AccessTokenAndRefreshToken;
    }
    const result = await app.acquireTokenSilent(request);
    const expiresOn = result.expiresOn instanceof Date ? result.expiresOn.getTime() : 0;
    return { token: result.accessToken, expiresOn: Number.isFinite(expiresOn) ? expiresOn : 0 };
  } catch (err) {
    throw toBridgeError(err);
  }
}

// After a 401 the cached token is known to be refused, so handing it out again would
// only repeat the 401: skip MSAL's cache and redeem the refresh token (failing that, the
// Microsoft session in a hidden iframe) for a new one. The token stays in MSAL's cache,
// where the next bridgeAcquireToken finds it; a renewal that needs the admin rejects
// with kind "interaction_required".
export async function bridgeRenewToken(scope) {
  requireApp();
  const account = app.getActiveAccount();
  if (!account) throw fail("interaction_required", "no_account_error", "nobody is signed in");
  try {
    const request = { scopes: [scope], account, forceRefresh: true };
    // An extension page has no hidden-iframe renewal (see bridgeAcquireToken): the
    // refresh token or nothing, so a dead one asks the admin at once.
    if (extension) request.cacheLookupPolicy = CacheLookupPolicy.RefreshToken;
    await app.acquireTokenSilent(request);
    return "";
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

// The OpenID Connect scopes MSAL itself asks for at sign-in: an id token, the
// profile and a refresh token.
const OIDC_SCOPES = ["openid", "profile", "offline_access"];

// One sign-in through chrome.identity.launchWebAuthFlow, tokens kept by MSAL in
// memory. The authorization request is ours (MSAL has no redirect flow with
// memoryStorage): PKCE S256, state and nonce from crypto.getRandomValues, the
// Dynamics scope only (never Graph's, as for the static page). The answer must
// come back to the redirect URI with our state; MSAL redeems its code with our
// verifier (acquireTokenByCode), and the network client refuses the answer unless
// its id token carries our nonce, before MSAL keeps anything.
// `interactive: false` is the extension's ssoSilent: it succeeds only when the
// Microsoft session cookie answers prompt=none without showing anything.
async function viaIdentityApi({ prompt, loginHint }, interactive) {
  const verifier = randomToken();
  const challenge = base64Url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const state = randomToken();
  const nonce = randomToken();
  const url = new URL(authorizeEndpoint);
  const params = {
    client_id: clientId,
    response_type: "code",
    response_mode: "fragment",
    redirect_uri: redirectUri,
    scope: [...new Set([...loginScopes, ...OIDC_SCOPES])].join(" "),
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
    client_info: "1",
    prompt,
  };
  if (loginHint) params.login_hint = loginHint;
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);

  let responseUrl;
  try {
    responseUrl = await chrome.identity.launchWebAuthFlow({ url: url.href, interactive });
  } catch (err) {
    const message = (err && err.message) || String(err);
    // "The user did not approve access." when the window is closed; "User
    // interaction required." when a silent attempt would need a prompt.
    throw authError(interactive ? "user_cancelled" : "interaction_required", message);
  }
  const code = authorizationCode(responseUrl, state);
  // MSAL checks the nonce only for answers of its own requests, and only after it
  // has cached them: the network client checks it first (nonceCheckingNetworkClient).
  expectedNonces.set(code, nonce);
  try {
    // MSAL's acquireTokenByCode is made for hybrid-SPA codes, which are not bound to
    // a redirect URI, so it leaves redirect_uri out of the token request; Entra then
    // refuses an ordinary code (AADSTS700009, msal issues 7425 and 7728). It goes in
    // as an extra body parameter.
    return await app.acquireTokenByCode({
      code,
      codeVerifier: verifier,
      redirectUri,
      scopes: loginScopes,
      extraParameters: { redirect_uri: redirectUri },
    });
  } finally {
    expectedNonces.delete(code);
  }
}

// The nonce each code of ours must come back with, by code, while it is redeemed
// (checked by js/nonce_guard.mjs before MSAL sees the answer).
const expectedNonces = new Map();

function nonceMismatch(correlationId) {
  return new AuthError("nonce_mismatch", correlationId,
    "the id token does not carry the nonce of this sign-in request; nothing of the answer was kept");
}

// One request, answered as MSAL's FetchClient answers: {headers, body (JSON), status};
// a request that could not be sent or an answer that is not JSON is MSAL's error.
async function send(method, url, options = {}) {
  const correlationId = options.correlationId || "";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: new Headers(options.headers || {}),
      body: method === "POST" ? options.body || "" : undefined,
    });
  } catch {
    const code = navigator.onLine === false ? "no_network_connectivity"
      : method === "GET" ? "get_request_failed" : "post_request_failed";
    throw new BrowserAuthError(code, correlationId);
  }
  const headers = {};
  response.headers.forEach((value, name) => { headers[name] = value; });
  try {
    return { headers, body: await response.json(), status: response.status };
  } catch {
    throw new BrowserAuthError("failed_to_parse_response", correlationId);
  }
}

// The code from launchWebAuthFlow's answer, once it is proven to answer our own
// request: the redirect URI, our state. Microsoft's own errors keep their code.
// Never quotes the URL: it carries the code.
function authorizationCode(responseUrl, state) {
  let answer;
  try {
    answer = new URL(responseUrl);
  } catch {
    throw authError("no_server_response", "the sign-in window returned no address");
  }
  if (`${answer.origin}${answer.pathname}` !== redirectUri) {
    throw authError("redirect_uri_mismatch", "the sign-in window answered on an address other than the redirect URI");
  }
  const fields = new URLSearchParams(answer.hash.slice(1));
  if (fields.get("state") !== state) {
    throw authError("state_mismatch", "the sign-in answer does not carry the state of this request");
  }
  const error = fields.get("error");
  if (error) throw authError(error, fields.get("error_description") || error);
  const code = fields.get("code");
  if (!code) throw authError("no_server_response", "the sign-in answer carries neither a code nor an error");
  return code;
}

function authError(code, message) {
  return Object.assign(new Error(message), { errorCode: code, errorMessage: message });
}

// 32 random bytes, base64url: a PKCE verifier (43 characters), a state, a nonce.
function randomToken() {
  return base64Url(crypto.getRandomValues(new Uint8Array(32)));
}

function base64Url(bytes) {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return btoa(String.fromCharCode(...view)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
