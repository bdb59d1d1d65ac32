// Reports are safe to paste. An environment (and its root business unit) named with Markdown
// and HTML is set up; the Markdown report, rendered as a wiki or a ticket would render it
// (markdown-it with raw HTML allowed and bare addresses turned into links), shows the names as
// plain text: no link, image, HTML element, heading, list item or table cell of theirs.
import { test } from "node:test";
import assert from "node:assert/strict";
import MarkdownIt from "markdown-it";
import {
  download, environment, finishRun, openDashboard, openEnvironment, openSession, readPlan, scenarioVariant,
  screenshot,
} from "./support.mjs";

const NASTY = "Contoso [win](https://evil.example/login) ![x](https://evil.example/p.png) <img src=x onerror=alert(1)> <b>bold</b> https://evil.example/phish | fake | cell |\n# Fake heading\n- fake item";
const NASTY_BU = "Root <script>alert(1)</script> www.evil.example `tick`";

const SCENARIO = scenarioVariant("demo", (s) => {
  const prod = s.environments.find((e) => e.unique_name === "contosoprod");
  prod.friendly_name = NASTY;
  const root = prod.business_units.find((bu) => !bu.parent);
  root.name = NASTY_BU;
});

/** The tags of rendered HTML, e.g. ["h1", "ul", "li", …]. */
const tags = (html) => [...html.matchAll(/<([a-z][a-z0-9]*)\b/g)].map((m) => m[1]);

/** What a reader sees in rendered HTML: the text, entities decoded. */
const text = (html) => html.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
  .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

test("an environment named with Markdown and HTML produces a report that renders as plain text", async (t) => {
  const { emulator, page } = await openSession(t, { scenario: SCENARIO });
  const prod = environment(await emulator.state(), "contosoprod");
  assert.equal(prod.friendly_name, NASTY);
  await openDashboard(page, emulator);
  // The page shows the name as text too.
  const open = page.locator(`[data-testid="env-row"][data-env-id="${prod.id}"] [data-testid="env-open"]`);
  assert.equal((await open.innerText()).replace(/\s+/g, " "), NASTY.replace(/\s+/g, " "));
  await openEnvironment(page, prod.id);
  await readPlan(page);
  await page.getByTestId("apply").click();
  assert.equal(await finishRun(page, { timeout: 30_000 }), "configured");
  await screenshot(page, "nasty-names-environment");

  const md = (await download(page, "report-md")).text;
  const html = new MarkdownIt({ html: true, linkify: true }).render(md);
  const used = tags(html);
  for (const forbidden of ["a", "img", "script", "b", "h4", "h5", "h6", "blockquote", "pre"]) {
    assert.ok(!used.includes(forbidden), `<${forbidden}> in the rendered report:\n${html}`);
  }
  // Only the report's own structure: the title, one environment, its sections.
  const headings = [...html.matchAll(/<h([1-3])>([\s\S]*?)<\/h\1>/g)].map((m) => `h${m[1]} ${text(m[2])}`);
  assert.deepEqual(headings.map((h) => h.split(" ")[0]), ["h1", "h2", "h3", "h3", "h3", "h3"], headings.join("\n"));
  assert.ok(headings[1].includes(NASTY.replace(/\n/g, " ")), `the environment's heading shows its name: ${headings[1]}`);
  assert.deepEqual(headings.slice(2).map((h) => h.slice(3)), ["Plan", "Writes", "Evidence", "Confirmations"]);
  // The writes table: four columns in every row, whatever the names hold.
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => tags(m[1]).filter((tag) => tag === "td" || tag === "th").length);
  assert.ok(rows.length >= 4, `a header and three writes: ${rows}`);
  assert.ok(rows.every((n) => n === 4), `every row has four cells: ${rows}`);
  // The names are there, as text in code spans, exactly.
  const codes = [...html.matchAll(/<code>([\s\S]*?)<\/code>/g)].map((m) => text(m[1]));
  assert.ok(codes.includes(NASTY.replace(/\n/g, " ")), `the environment name as text:\n${codes.join("\n")}`);
  assert.ok(codes.includes(NASTY_BU), `the business unit name as text:\n${codes.join("\n")}`);
  // No line of the raw Markdown starts with anything the names brought.
  assert.ok(!md.split("\n").some((line) => /^(# Fake|- fake)/.test(line)), md);
});
