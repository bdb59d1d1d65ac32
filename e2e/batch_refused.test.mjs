// `$batch` from a browser is a guess the product relies on (SCENARIOS.md, "`$batch`"): each
// round's Dataverse requests to an environment go as one `$batch`. Here Microsoft answers the
// other way — the environment's `$batch` is refused with 501, or its connection is dropped
// after its parts ran — and the app must still end configured, served by single requests
// from then on, with one create and each role once, and the report saying why.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ASSOCIATE_ROLE, CREATE_USER, assertConfigured, assertOnlyCloudHosts, download, environment, finishRun,
  loggedRequests, openDashboard, openEnvironment, openSession, readPlan, screenshot,
} from "./support.mjs";

const BATCH = /\/api\/data\/v9\.\d\/\$batch$/;
const PROD = /^contosoprod\./;

/** The prod environment's log: `$batch`es, their parts, and the requests that went alone. */
function prodLog(state) {
  const all = loggedRequests(state, { host: PROD }).filter((r) => r.method !== "OPTIONS");
  return {
    batches: all.filter((r) => BATCH.test(r.path)),
    alone: all.filter((r) => !BATCH.test(r.path) && r.batch === undefined),
    parts: all.filter((r) => r.batch !== undefined),
  };
}

test("an environment that refuses $batch (501) is set up by single requests and the report says so", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  await emulator.fault({
    method: "POST", host: "contosoprod.crm.dynamics.com", path: "/api/data/v9.2/$batch", count: 50,
    action: { status: 501, body: '{"error":{"code":"0x80060888","message":"Not implemented"}}' },
  });

  await openDashboard(page, emulator);
  await openEnvironment(page, prod.id);
  await page.getByTestId("apply").click();
  assert.equal(await finishRun(page), "configured");
  await screenshot(page, "batch-refused-configured");

  const state = await emulator.state();
  assertConfigured(assert, environment(state, "contosoprod"));
  const log = prodLog(state);
  assert.ok(log.batches.length >= 1, "the app tried $batch");
  assert.ok(log.batches.every((b) => b.status === 501), JSON.stringify(log.batches));
  assert.equal(log.parts.length, 0, "nothing was carried out inside a refused $batch");
  // After each refusal the same reads went alone and were answered.
  const firstBatch = log.batches[0].seq;
  const after = log.alone.filter((r) => r.seq > firstBatch && r.method === "GET");
  assert.ok(after.length >= 2 && after.every((r) => r.status === 200), JSON.stringify(after));
  assert.equal(loggedRequests(state, { method: "POST", path: CREATE_USER, host: PROD }).length, 1, "one create");
  const roles = loggedRequests(state, { method: "POST", path: ASSOCIATE_ROLE, host: PROD });
  assert.equal(roles.length, 2, `each role once: ${JSON.stringify(roles)}`);

  const md = (await download(page, "report-md")).text;
  assert.match(md, /`\$batch`: `?the \$batch was refused \(HTTP 501\)`?; served by single requests/);
  assertOnlyCloudHosts(assert, browser, emulator);
});

test("a roles $batch whose connection drops after a part ran is re-read, and only the missing role is sent", async (t) => {
  const { emulator, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  // The first role association is carried out inside its `$batch`, then the connection drops
  // (one connection: the whole `$batch` goes unanswered, the second role never ran).
  await emulator.fault({
    method: "POST", host: "contosoprod.crm.dynamics.com", path: "*/systemuserroles_association/$ref",
    action: { drop: "after" },
  });
  await openDashboard(page, emulator);
  await openEnvironment(page, prod.id);
  await readPlan(page);
  await page.getByTestId("apply").click();
  assert.equal(await finishRun(page), "configured");

  const state = await emulator.state();
  assertConfigured(assert, environment(state, "contosoprod"));
  const roles = loggedRequests(state, { method: "POST", path: ASSOCIATE_ROLE, host: PROD });
  assert.equal(roles.length, 2, `each role carried out once: ${JSON.stringify(roles)}`);
  assert.ok(roles[0].batch !== undefined, "the roles went as one $batch");
  const dropped = prodLog(state).batches.find((b) => b.seq === roles[0].batch);
  assert.equal(dropped.status, null, "that $batch was dropped");
  // The writes in doubt were re-read, by single requests, before the missing role was sent.
  const reread = prodLog(state).alone.filter((r) => r.seq > dropped.seq && r.seq < roles[1].seq && r.method === "GET");
  assert.ok(reread.length >= 1, `re-read after the drop: ${JSON.stringify(prodLog(state).alone)}`);
  assert.equal(roles[1].batch, undefined, "the missing role went alone");
  assert.equal(loggedRequests(state, { method: "POST", path: CREATE_USER, host: PROD }).length, 1, "one create");
});
