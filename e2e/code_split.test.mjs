// The signed-in workspace is a wasm chunk of its own (js/split.mjs): the sign-in
// screen does not download it, sign-in does, and a chunk that cannot be fetched
// leaves an error that says what to do instead of a dead page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, PRODUCTION_CONFIG, launchBrowser, screenshot, signInWithPopup, startEmulator } from "./support.mjs";

const CHUNK = /\/split_workspace-[0-9a-f]+\.wasm$/;

test("the sign-in screen does not download the workspace chunk; signing in does", async () => {
  const emulator = await startEmulator({ scenario: "demo", config: PRODUCTION_CONFIG });
  const browser = await launchBrowser(emulator);
  try {
    const page = await browser.context.newPage();
    await page.goto(`${emulator.base}/`);
    await page.getByTestId("sign-in").waitFor();
    assert.deepEqual(browser.requests.filter((url) => CHUNK.test(url)), []);

    await signInWithPopup(page, ADMIN);
    await page.locator("[data-testid=env-row][data-status]").first().waitFor();
    assert.equal(browser.requests.filter((url) => CHUNK.test(url)).length, 1);
  } finally {
    await browser.close();
    await emulator.stop();
  }
});

test("a workspace chunk that cannot be downloaded says to reload the page, and a reload recovers", async () => {
  const emulator = await startEmulator({ scenario: "demo", config: PRODUCTION_CONFIG });
  const browser = await launchBrowser(emulator);
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error));
    await page.route(CHUNK, (route) => route.fulfill({ status: 503, body: "unavailable" }));
    await page.goto(`${emulator.base}/`);
    await signInWithPopup(page, ADMIN);

    const error = page.getByTestId("error");
    await error.waitFor();
    assert.match(await error.innerText(), /reload the page/i);
    await screenshot(page, "workspace-chunk-failed");
    // Still signed in, and no uncaught error: the failure did not panic the app.
    await page.getByTestId("signed-in-as").waitFor();
    assert.deepEqual(errors, []);

    await page.unroute(CHUNK);
    await page.reload();
    await page.locator("[data-testid=env-row][data-status]").first().waitFor();
  } finally {
    await browser.close();
    await emulator.stop();
  }
});
