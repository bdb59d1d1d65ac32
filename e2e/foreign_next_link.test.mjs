// Issue 10, point 7: a `@odata.nextLink` that leaves the origin it came from is refused. The
// admin sees which host it named, and no request (so no token) ever reaches that host: not
// from discovery, not from a Dataverse listing the procedure pages through.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  environment, lastSeq, openDashboard, openEnvironment, openSession, screenshot, signInWithPopup,
  tenantWrites, waitForOutcome,
} from "./support.mjs";

const ELSEWHERE = "contososandbox.crm.dynamics.com";

/** A 200 page whose next link points at another emulated host, marked so it can be traced. */
function pageLinkingTo(path) {
  return {
    status: 200,
    body: JSON.stringify({ value: [], "@odata.nextLink": `https://${ELSEWHERE}${path}?$skiptoken=stolen` }),
  };
}

function toElsewhere(requests) {
  return requests.filter((r) => r.host.split(":")[0] === ELSEWHERE || /stolen/.test(r.path));
}

test("discovery: a next link to another host is refused, named, and never requested", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  await emulator.fault({
    method: "GET", path: "/api/discovery/v2.0/Instances", host: "globaldisco.crm.dynamics.com", count: 1,
    action: pageLinkingTo("/api/discovery/v2.0/Instances"),
  });
  await page.goto(`${emulator.base}/`);
  await page.getByTestId("sign-in").waitFor();
  await signInWithPopup(page);
  const error = page.getByTestId("error");
  await error.waitFor({ timeout: 30_000 });
  const text = await error.innerText();
  assert.match(text, /could not be listed/);
  assert.match(text, new RegExp(`https://${ELSEWHERE.replaceAll(".", "\\.")}`), "the host is named");
  assert.match(text, /sent nothing there/);
  await screenshot(page, "foreign-next-link-discovery");

  await page.waitForTimeout(500);
  const state = await emulator.state();
  assert.deepEqual(toElsewhere(state.requests), [], "no request reached the other host");
  assert.deepEqual(browser.requests.filter((u) => u.includes(ELSEWHERE)), [], "the browser never asked it");
  assert.equal(await page.getByTestId("env-row").count(), 0, "no partial list is shown");
});

test("a Dataverse listing whose next link leaves the environment ends the run with the host named", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  await openDashboard(page, emulator);
  const since = lastSeq(await emulator.state());
  const browserSince = browser.requests.length;
  await emulator.fault({
    method: "GET", path: "/api/data/v9.2/roles", host: "contosoprod.crm.dynamics.com", count: 1,
    action: pageLinkingTo("/api/data/v9.2/roles"),
  });
  await openEnvironment(page, prod.id);
  assert.equal(await waitForOutcome(page), "failed");
  const text = await page.getByTestId("error").innerText();
  assert.match(text, /read the security roles/, text);
  assert.match(text, new RegExp(`https://${ELSEWHERE.replaceAll(".", "\\.")}`));
  assert.match(text, /sent nothing there/);
  await screenshot(page, "foreign-next-link-dataverse");

  await page.waitForTimeout(500);
  const after = await emulator.state();
  const since_ = after.requests.filter((r) => r.seq > since);
  assert.ok(since_.some((r) => r.fault === "status 200" && /\/roles/.test(r.path)), "the faulty page was served");
  assert.deepEqual(toElsewhere(since_), [], "no request reached the other host after the page");
  assert.deepEqual(browser.requests.slice(browserSince).filter((u) => u.includes(ELSEWHERE) || u.includes("stolen")), []);
  assert.equal(tenantWrites(after, { since }).length, 0, "nothing was written");
});
