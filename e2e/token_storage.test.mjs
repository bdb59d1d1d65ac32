// The static page keeps its tokens in memory (issue 10 point 5): after sign-in and a
// full setup its sessionStorage and localStorage hold nothing token-like, only the
// tool's own keys; MSAL's one sessionStorage entry is its interaction flag while the
// sign-in window is open. A reload signs in again silently with the admin's login
// hint (a username), and offers the sign-in button when Microsoft wants the admin.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN, assertConfigured, environment, finishRun, loggedRequests, openEnvironment, openSession, readPlan,
  waitForDashboard,
} from "./support.mjs";

/** A JWT, or one of MSAL's credential types (its cache keys and entries). */
const TOKEN_LIKE = /eyJ[\w-]+\.eyJ[\w-]+|accesstoken|refreshtoken|idtoken/i;
/** What the tool itself keeps in the tab's sessionStorage (src/ui/README.md), never a token. */
const TOOL_KEYS = ["w365-appuser.session", "w365-appuser.login-hint", "w365-appuser.guide", "w365-appuser.cloud"];

function storage(page) {
  return page.evaluate(() => ({
    session: Object.entries({ ...sessionStorage }),
    local: Object.entries({ ...localStorage }),
  }));
}

/** Names what looks like a token (never prints a value) and any key that is not the tool's. */
function assertNothingTokenLike(where, { session, local }) {
  const tokenLike = [...session, ...local].filter(([key, value]) => TOKEN_LIKE.test(key) || TOKEN_LIKE.test(value)).map(([key]) => key);
  assert.deepEqual(tokenLike, [], `${where}: token-like entries`);
  assert.deepEqual(local.map(([key]) => key), [], `${where}: localStorage is used`);
  // The session record is kept key by key under "w365-appuser.session." (head, run.N, view, batch, …).
  const foreign = session.map(([key]) => key)
    .filter((key) => !TOOL_KEYS.includes(key) && !key.startsWith("w365-appuser.session."));
  assert.deepEqual(foreign, [], `${where}: sessionStorage keys other than the tool's`);
}

test("after sign-in and a full setup the page's storage holds nothing token-like; MSAL used only its interaction flag", async (t) => {
  const { emulator, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  await page.goto(`${emulator.base}/`);
  await page.getByTestId("sign-in").waitFor();

  // While the sign-in window is open, MSAL 5 keeps one flag in sessionStorage (its
  // temporary cache is sessionStorage, whatever cacheLocation says): who is signing in.
  const popupPromise = page.context().waitForEvent("page");
  await page.getByTestId("sign-in").click();
  const popup = await popupPromise;
  await popup.locator(`[data-upn="${ADMIN}"]`).waitFor();
  const during = await storage(page);
  const flag = during.session.find(([key]) => key === "msal.interaction.status");
  assert.ok(flag, `MSAL's interaction flag while the window is open (keys: ${during.session.map(([k]) => k)})`);
  assert.deepEqual(Object.keys(JSON.parse(flag[1])).sort(), ["clientId", "type"]);
  assert.deepEqual(during.session.filter(([key]) => key.startsWith("msal.") && key !== "msal.interaction.status").map(([k]) => k), []);
  assert.doesNotMatch(JSON.stringify(during), TOKEN_LIKE);
  await popup.locator(`[data-upn="${ADMIN}"]`).click();
  await waitForDashboard(page);

  await openEnvironment(page, prod.id);
  await readPlan(page);
  await page.getByTestId("apply").click();
  assert.equal(await finishRun(page, { guide: "confirm" }), "configured");
  assertConfigured(assert, environment(await emulator.state(), "contosoprod"));

  const after = await storage(page);
  assertNothingTokenLike("after setup", after);
  assert.deepEqual(after.session.find(([key]) => key === "w365-appuser.login-hint"), ["w365-appuser.login-hint", ADMIN]);
  // The detector finds what MSAL's sessionStorage cache would hold.
  assert.throws(() => assertNothingTokenLike("a sample", {
    session: [["msal.2.token.keys.client", '{"idToken":["uid.utid-login.windows.net-idtoken-client-utid---"]}']], local: [],
  }));
  assert.throws(() => assertNothingTokenLike("a sample", { session: [["w365-appuser.session", "eyJhbGciOi.eyJhdWQiOi.sig"]], local: [] }));
});

test("a reload signs in again silently with the login hint; when Microsoft wants the admin, the sign-in button", async (t) => {
  const { emulator, page } = await openSession(t, { scenario: "demo" });
  await page.goto(`${emulator.base}/`);
  await page.getByTestId("sign-in").waitFor();
  const popupPromise = page.context().waitForEvent("page");
  await page.getByTestId("sign-in").click();
  await (await popupPromise).locator(`[data-upn="${ADMIN}"]`).click();
  await waitForDashboard(page);
  const signedIn = await emulator.state();

  // Tokens were in memory only: the reload starts without any, and asks Microsoft silently.
  await page.reload();
  await page.getByTestId("signed-in-as").waitFor();
  await waitForDashboard(page);
  const reloaded = await emulator.state();
  const silent = loggedRequests(reloaded, { method: "GET", path: /\/oauth2\/v2\.0\/authorize\?/, since: signedIn.requests.length })
    .map((r) => new URL(r.path, "https://login.microsoftonline.com").searchParams);
  assert.ok(silent.some((q) => q.get("prompt") === "none" && q.get("login_hint") === ADMIN),
    "the reload's silent sign-in carried the admin's login hint");
  assertNothingTokenLike("after the reload", await storage(page));

  // Sessions revoked (or third-party cookies blocked): the silent attempt cannot work, the
  // button is offered, quietly.
  await emulator.revokeSignIn(ADMIN);
  await page.reload();
  await page.getByTestId("sign-in").waitFor();
  assert.equal(await page.getByTestId("error").count(), 0, "no error for a sign-in Microsoft wants interactively");
  assert.equal(await page.getByTestId("signed-in-as").count(), 0);
  // Signing out forgets the hint.
  const popup = page.context().waitForEvent("page");
  await page.getByTestId("sign-in").click();
  await (await popup).locator(`[data-upn="${ADMIN}"]`).click();
  await page.getByTestId("sign-out").click();
  await page.getByTestId("sign-in").waitFor();
  const left = await storage(page);
  assert.equal(left.session.find(([key]) => key === "w365-appuser.login-hint"), undefined);
});
