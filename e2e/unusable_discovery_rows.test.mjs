// One discovery row the client cannot use never takes the list down (issue 9,
// point 2): the discovery service is made to list, beside the demo tenant's
// real environments, an environment id that cannot go into a URL, a row without
// `Url`, one with an http `Url` and one whose `Url` is outside the cloud's Dataverse
// domain (no token may go there). Each shows as an `unusable` row that says
// what is wrong and what to do; it is not inspected (no request to its host) and
// cannot be selected for a batch, while every other row works as usual.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assertOnlyCloudHosts, envRow, environment, loggedRequests, openDashboard, openSession, screenshot,
  tenantWrites,
} from "./support.mjs";

test("rows the client cannot use are listed with what is wrong and what to do; the rest are inspected and usable", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const before = await emulator.state();
  const prod = environment(before, "contosoprod");
  const sandbox = environment(before, "contososandbox");
  const real = [prod, sandbox].map((e) => ({
    Id: e.organization_id, EnvironmentId: e.id, UniqueName: e.unique_name, UrlName: e.url_name,
    FriendlyName: e.friendly_name, Url: `https://${e.host}`, ApiUrl: `https://${e.host}`, Region: e.region,
    State: e.state, Version: e.version, TenantId: before.tenant.id, IsUserSysAdmin: true,
  }));
  const odd = [
    { EnvironmentId: "Contoso Legacy/1\"><img src=x>", FriendlyName: "Contoso Legacy", Url: "https://contosolegacy.crm.dynamics.com", Region: "NA" },
    { EnvironmentId: "3a9e0b3c-8a8d-4c61-9a43-0a1f2b3c4d5e", FriendlyName: "Contoso Provisioning", Region: "EMEA" },
    { EnvironmentId: "4b0f1c4d-9b9e-4d72-8b54-1b2a3c4d5e6f", FriendlyName: "Contoso Plain", Url: "http://contosoplain.crm.dynamics.com" },
    { EnvironmentId: "5c1a2d5e-ac0f-4e83-9c65-2c3b4d5e6f70", FriendlyName: "Contoso Elsewhere", Url: "https://contosoelsewhere.crm.dynamics.com.example.net" },
  ];
  await emulator.fault({
    method: "GET", path: "/api/discovery/v2.0/Instances*", host: "globaldisco.crm.dynamics.com",
    action: { status: 200, body: JSON.stringify({ value: [odd[0], real[0], odd[1], real[1], odd[2], odd[3]] }) },
  });

  const statuses = await openDashboard(page, emulator);
  assert.equal(statuses[prod.id], "needs-setup");
  assert.equal(statuses[sandbox.id], "configured");
  const unusable = page.locator('[data-testid="env-row"][data-status="unusable"]');
  assert.equal(await unusable.count(), 4);
  const reasons = await unusable.evaluateAll((rows) => Object.fromEntries(rows.map((r) => [r.querySelector("th").innerText.split("\n")[0], r.dataset.unusable])));
  assert.deepEqual(reasons, {
    "Contoso Legacy": "bad-environment-id",
    "Contoso Provisioning": "missing-url",
    "Contoso Plain": "not-https",
    "Contoso Elsewhere": "outside-cloud",
  });

  // Each says what is wrong and what to do, and shows the id as listed (as text, never markup).
  const legacy = unusable.filter({ hasText: "Contoso Legacy" });
  const text = await legacy.getByTestId("env-status").innerText();
  assert.match(text, /Cannot be used/);
  assert.match(text, /environment id cannot be used safely/);
  assert.match(await legacy.getByTestId("env-remedy").innerText(), /Power Platform admin center/);
  assert.equal(await legacy.getByTestId("env-raw-id").locator("code").innerText(), odd[0].EnvironmentId);
  assert.equal(await page.locator("img[src=x]").count(), 0, "the listed id is shown as text");
  assert.match(await unusable.filter({ hasText: "Contoso Provisioning" }).getByTestId("env-remedy").innerText(),
    /has a Dataverse database and is ready/);
  const elsewhere = unusable.filter({ hasText: "Contoso Elsewhere" });
  assert.match(await elsewhere.getByTestId("env-status").innerText(), /not a Dataverse environment of the Commercial cloud/);
  assert.match(await elsewhere.getByTestId("env-remedy").innerText(), /sign in to that cloud/);
  // Not selectable for a batch, not openable.
  assert.equal(await unusable.getByTestId("env-select").count(), 0);
  assert.equal(await unusable.getByTestId("env-open").count(), 0);
  await screenshot(page, "dashboard-unusable-discovery-rows");

  // Select all takes the usable rows only; the batch runs on them.
  await page.getByTestId("select-all").check();
  assert.match(await page.getByTestId("batch-run").innerText(), /Set up 2 selected/);
  // The status filter finds them.
  await page.getByTestId("env-status-filter").selectOption("unusable");
  assert.equal(await page.getByTestId("env-row").count(), 4);
  await page.getByTestId("env-status-filter").selectOption("all");
  await page.getByTestId("batch-run").click();
  await page.locator('[data-testid="batch-summary"][data-done="true"]').waitFor({ timeout: 60_000 });

  const after = await emulator.state();
  assert.deepEqual(loggedRequests(after, { host: /^contoso(legacy|plain|elsewhere)\./ }), [], "no request to an unusable row's host");
  assert.equal(browser.requests.filter((url) => /contoso(legacy|plain|elsewhere)/.test(url)).length, 0);
  assert.ok(tenantWrites(after).length > 0 && tenantWrites(after).every((w) => w.host === prod.host),
    "the batch set up contosoprod, nothing else");
  await envRow(page, prod.id).waitFor();
  assertOnlyCloudHosts(assert, browser, emulator);
});
