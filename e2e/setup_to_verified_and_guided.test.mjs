// The demo's happy path: production needs setup; the plan names every write and
// what stays untouched; Apply shows each step live; the read-back is evidence;
// the guide walks the Work 365 switch; the report downloads as JSON and Markdown
// without a token in it. Then a second run on the same environment writes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  ASSOCIATE_ROLE, ARTIFACTS, CREATE_USER, US_APP_ID, WORK365_ROLES, assertConfigured, assertNoSecrets,
  assertOnlyCloudHosts, confirmGuide, download, environment, finishRun, lastSeq, loggedRequests, openDashboard,
  openEnvironment, openSession, readPlan, screenshot, tenantWrites, viewportScreenshot, waitForOutcome,
  waitForStepsSettled,
} from "./support.mjs";

const DOCS = resolve(import.meta.dirname, "..", "docs");

test("demo: production is set up, verified with evidence, guided, and reported", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const before = await emulator.state();
  const prod = environment(before, "contosoprod");
  const serviceAccountBefore = prod.system_users.find((u) => u.domainname.startsWith("svc-work365@"));

  await openDashboard(page, emulator);
  await screenshot(page, "dashboard");
  mkdirSync(DOCS, { recursive: true });
  await viewportScreenshot(page, join(ARTIFACTS, "dashboard-viewport.png"));
  copyFileSync(join(ARTIFACTS, "dashboard-viewport.png"), join(DOCS, "screenshot.png"));

  await openEnvironment(page, prod.id);
  const plan = await readPlan(page);
  assert.deepEqual(plan.steps, ["create", ...WORK365_ROLES.map((r) => `assign:${r}`)]);
  assert.equal(plan.writes, 3);
  const untouched = await page.getByTestId("plan-untouched").innerText();
  assert.match(untouched, /Work 365 Service Account|svc-work365/, "the plan says the service account is not touched");
  assert.deepEqual(tenantWrites(await emulator.state()), [], "nothing is written before Apply");
  await screenshot(page, "plan");

  // Slow the first role assignment down so the running step can be seen.
  await emulator.fault({ method: "POST", path: "/api/data/v9.2/systemusers(*)/systemuserroles_association/$ref", count: 1, action: { latency_ms: 1200 } });
  await page.getByTestId("apply").click();
  await page.locator('[data-testid="step"][data-status="running"]').first().waitFor();
  await screenshot(page, "applying");
  const steps = await waitForStepsSettled(page);
  assert.deepEqual(
    Object.entries(steps).filter(([, status]) => status !== "done" && status !== "skipped"), [],
    `every step done (${JSON.stringify(steps)})`,
  );
  for (const name of ["create", ...WORK365_ROLES.map((r) => `assign:${r}`), "verify"]) {
    assert.equal(steps[name], "done", `step ${name}`);
  }

  // Verification is evidence read back from Dataverse, not a green tick.
  const evidence = page.getByTestId("evidence");
  await evidence.waitFor();
  const after = await emulator.state();
  const user = assertConfigured(assert, environment(after, "contosoprod"));
  assert.match(await evidence.getByTestId("evidence-user-id").innerText(), new RegExp(user.id, "i"));
  assert.match(await evidence.getByTestId("evidence-app-id").innerText(), new RegExp(US_APP_ID, "i"));
  const evidencedRoles = await evidence.getByTestId("evidence-role").evaluateAll((els) => els.map((el) => el.dataset.roleId));
  assert.deepEqual(evidencedRoles.sort(), [...user.roles].sort());
  await screenshot(page, "evidence");

  // The guide: the deep link into this environment's Work 365 app, four confirmations.
  await page.getByTestId("guide").waitFor();
  const link = await page.getByTestId("guide-link").getAttribute("href");
  assert.equal(new URL(link).host, prod.host);
  await screenshot(page, "guide");
  assert.equal(await confirmGuide(page), 4);
  const steps4 = await page.getByTestId("guide-step").evaluateAll((els) => els.map((el) => el.dataset.status));
  assert.deepEqual(steps4, ["done", "done", "done", "done"]);
  const reclaim = await page.getByTestId("reclaim").innerText();
  assert.match(reclaim, /Work 365 Service Account|svc-work365/, "the summary names the account whose license can be reclaimed");
  assert.equal(await waitForOutcome(page), "configured");
  await screenshot(page, "summary");

  // The report, both formats, checked for content and for secrets.
  const json = await download(page, "report-json");
  assert.match(json.name, /\.json$/);
  const record = JSON.parse(json.text);
  assertNoSecrets(assert, json.text, "the JSON report");
  assert.match(json.text, new RegExp(prod.id));
  assert.match(json.text, /contosoprod/);
  assert.match(json.text, new RegExp(user.id));
  assert.ok(record && typeof record === "object");
  const md = await download(page, "report-md");
  assert.match(md.name, /\.md$/);
  assertNoSecrets(assert, md.text, "the Markdown report");
  assert.match(md.text, /^#/m, "Markdown has a heading");
  assert.match(md.text, /Contoso Production|contosoprod/);
  for (const role of WORK365_ROLES) assert.match(md.text, new RegExp(role));
  assert.match(md.text, new RegExp(user.id));

  // The emulator: exactly the three planned writes, nothing else touched.
  const writes = tenantWrites(after);
  assert.equal(loggedRequests(after, { method: "POST", path: CREATE_USER }).length, 1);
  assert.equal(loggedRequests(after, { method: "POST", path: ASSOCIATE_ROLE, processed: true }).length, 2);
  assert.equal(writes.length, 3, `three writes (${writes.map((w) => `${w.method} ${w.host}${w.path}`).join("; ")})`);
  assert.ok(writes.every((w) => w.host === prod.host), "writes only to contosoprod");
  const serviceAccountAfter = environment(after, "contosoprod").system_users.find((u) => u.id === serviceAccountBefore.id);
  assert.deepEqual(serviceAccountAfter, serviceAccountBefore, "the licensed service account is untouched");
  for (const name of ["contososandbox", "contosodev"]) {
    assert.deepEqual(environment(after, name), environment(before, name), `${name} untouched`);
  }
  assertOnlyCloudHosts(assert, browser, emulator);
});

test("demo: a second run on a configured environment writes nothing", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  await openDashboard(page, emulator);
  await openEnvironment(page, prod.id);
  assert.equal((await readPlan(page)).writes, 3);
  await page.getByTestId("apply").click();
  assert.equal(await finishRun(page), "configured");
  const mark = lastSeq(await emulator.state());

  // A fresh tab: the dashboard re-inspects, production is configured; opening it
  // plans nothing and goes straight to evidence.
  const second = await browser.context.newPage();
  const statuses = await openDashboard(second, emulator);
  assert.equal(statuses[prod.id], "configured");
  await openEnvironment(second, prod.id);
  const plan = await readPlan(second);
  assert.equal(plan.writes, 0);
  assert.equal(await second.getByTestId("apply").count(), 0, "no Apply when nothing is to be written");
  assert.equal(await finishRun(second), "already-configured");
  assert.ok(await second.getByTestId("evidence").isVisible(), "evidence shown for an already configured environment");

  const after = await emulator.state();
  assert.deepEqual(tenantWrites(after, { since: mark }).map((w) => `${w.method} ${w.path}`), [], "the second run wrote nothing");
  assertConfigured(assert, environment(after, "contosoprod"));
  assert.ok(loggedRequests(after, { since: mark, host: /crm\.dynamics\.com$/ }).length > 0, "the second run did inspect");
  assertOnlyCloudHosts(assert, browser, emulator);
});
