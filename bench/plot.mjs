// Draws bench/curve.mjs's results as an SVG chart and screenshots it in headless
// Chromium to a PNG (no plotting dependency): wall time against the network floor,
// requests, and peak JS heap, per number of environments.
//
//   node bench/plot.mjs RESULTS.json OUT.png
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "../e2e/support.mjs";

const W = 1500;
const H = 560;
const PANEL = { w: 400, h: 380, top: 80, left: 70, gap: 30 };
const COLOURS = { inspect: "#1f5fa8", batch: "#c0392b" };
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)];

/** Round numbers for an axis from 0 to about `max`. */
function ticks(max) {
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let v = 0; v <= max + step * 0.01; v += step) out.push(Number(v.toPrecision(6)));
  if (out.at(-1) < max) out.push(Number((out.at(-1) + step).toPrecision(6)));
  return out;
}

/** One panel: axes, grid, series (lines through medians, min–max whiskers), legend. */
function panel(index, { title, yLabel, xs, series, markers = [], format = (v) => v }) {
  const x0 = PANEL.left + index * (PANEL.w + PANEL.gap + PANEL.left);
  const y0 = PANEL.top;
  const xMax = Math.max(...xs);
  const yMax = Math.max(...series.flatMap((s) => s.points.map((p) => p.max ?? p.y)), ...markers.map((m) => m.y)) * 1.05;
  const yTicks = ticks(yMax);
  const top = yTicks.at(-1);
  const sx = (x) => x0 + (x / xMax) * PANEL.w;
  const sy = (y) => y0 + PANEL.h - (y / top) * PANEL.h;
  const out = [`<text x="${x0}" y="${y0 - 28}" class="title">${esc(title)}</text>`];
  for (const t of yTicks) {
    out.push(`<line x1="${x0}" x2="${x0 + PANEL.w}" y1="${sy(t)}" y2="${sy(t)}" class="grid"/>`);
    out.push(`<text x="${x0 - 8}" y="${sy(t) + 4}" class="tick" text-anchor="end">${esc(format(t))}</text>`);
  }
  let lastLabel = -Infinity;
  for (const x of xs) {
    out.push(`<line x1="${sx(x)}" x2="${sx(x)}" y1="${y0 + PANEL.h}" y2="${y0 + PANEL.h + 5}" class="axis"/>`);
    // Counts close together (1 and 10) would print over each other: the later one moves down.
    const low = sx(x) - lastLabel < 24;
    out.push(`<text x="${sx(x)}" y="${y0 + PANEL.h + (low ? 32 : 20)}" class="tick" text-anchor="middle">${x}</text>`);
    if (!low) lastLabel = sx(x);
  }
  out.push(`<line x1="${x0}" x2="${x0 + PANEL.w}" y1="${y0 + PANEL.h}" y2="${y0 + PANEL.h}" class="axis"/>`);
  out.push(`<line x1="${x0}" x2="${x0}" y1="${y0}" y2="${y0 + PANEL.h}" class="axis"/>`);
  out.push(`<text x="${x0 + PANEL.w / 2}" y="${y0 + PANEL.h + 46}" class="label" text-anchor="middle">environments</text>`);
  out.push(`<text transform="translate(${x0 - 52} ${y0 + PANEL.h / 2}) rotate(-90)" class="label" text-anchor="middle">${esc(yLabel)}</text>`);
  let legendY = y0 + 6;
  for (const s of series) {
    const d = s.points.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
    out.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="${s.dash ? 2 : 2.5}" ${s.dash ? `stroke-dasharray="${s.dash}"` : ""}/>`);
    for (const p of s.points) {
      if (p.min !== undefined && p.max !== undefined && p.max > p.min) {
        out.push(`<line x1="${sx(p.x)}" x2="${sx(p.x)}" y1="${sy(p.min)}" y2="${sy(p.max)}" stroke="${s.colour}" stroke-width="1.5"/>`);
      }
      if (!s.dash) out.push(`<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="3.5" fill="${s.colour}"/>`);
    }
    out.push(`<line x1="${x0 + 14}" x2="${x0 + 44}" y1="${legendY}" y2="${legendY}" stroke="${s.colour}" stroke-width="2.5" ${s.dash ? `stroke-dasharray="${s.dash}"` : ""}/>`);
    out.push(`<text x="${x0 + 50}" y="${legendY + 4}" class="legend">${esc(s.label)}</text>`);
    legendY += 18;
  }
  for (const m of markers) {
    const [cx, cy] = [sx(m.x), sy(m.y)];
    out.push(`<path d="M${cx},${cy - 7} L${cx + 7},${cy} L${cx},${cy + 7} L${cx - 7},${cy} Z" fill="none" stroke="${m.colour}" stroke-width="2"/>`);
    out.push(`<text x="${cx - 10}" y="${cy - 10}" class="legend" text-anchor="end">${esc(m.label)}</text>`);
  }
  return out.join("\n");
}

/** Splits text into lines of at most `width` characters, at spaces. */
function wrap(text, width) {
  const lines = [""];
  for (const word of text.split(" ")) {
    if ((lines.at(-1) + " " + word).trim().length > width) lines.push(word);
    else lines[lines.length - 1] = `${lines.at(-1)} ${word}`.trim();
  }
  return lines;
}

/** The chart as SVG text, from bench/curve.mjs's results. */
export function chart(results) {
  const xs = results.points.map((p) => p.count);
  const pick = (phase, f) => results.points.map((p) => {
    const values = p.runs.map((r) => f(r[phase]));
    return { x: p.count, y: median(values), min: Math.min(...values), max: Math.max(...values) };
  });
  const s = (v) => v / 1000;
  const time = panel(0, {
    title: `Wall time, ${results.latencyMs} ms latency (median of ${results.runs}, min–max)`,
    yLabel: "seconds",
    xs,
    series: [
      { label: "inspected (session bar → every row's status)", colour: COLOURS.inspect, points: pick("inspect", (p) => s(p.ms)) },
      { label: "batch applied (batch-run → done)", colour: COLOURS.batch, points: pick("batch", (p) => s(p.ms)) },
      { label: "network floor, inspection", colour: COLOURS.inspect, dash: "6 4", points: pick("inspect", (p) => s(p.floor.ms)).map(({ x, y }) => ({ x, y })) },
      { label: "network floor, batch", colour: COLOURS.batch, dash: "6 4", points: pick("batch", (p) => s(p.floor.ms)).map(({ x, y }) => ({ x, y })) },
    ],
    markers: Math.max(...xs) >= 200 ? [
      { x: 200, y: 5, colour: COLOURS.inspect, label: "target 5 s" },
      { x: 200, y: 6, colour: COLOURS.batch, label: "target 6 s" },
    ] : [],
    format: (v) => `${v}`,
  });
  const requests = panel(1, {
    title: "Requests to Microsoft per phase (emulator log)",
    yLabel: "requests",
    xs,
    series: [
      { label: "inspection, all", colour: COLOURS.inspect, points: pick("inspect", (p) => p.counts.requests) },
      { label: "batch, all", colour: COLOURS.batch, points: pick("batch", (p) => p.counts.requests) },
      { label: "inspection, CORS preflights", colour: COLOURS.inspect, dash: "6 4", points: pick("inspect", (p) => p.counts.preflights) },
      { label: "batch, CORS preflights", colour: COLOURS.batch, dash: "6 4", points: pick("batch", (p) => p.counts.preflights) },
      { label: "inspection, token requests", colour: COLOURS.inspect, dash: "2 3", points: pick("inspect", (p) => p.counts.tokens) },
    ],
  });
  const heap = panel(2, {
    title: "Peak JS heap, main thread, CPU used",
    yLabel: "MB / seconds",
    xs,
    series: [
      { label: "peak JS heap, inspection (MB)", colour: COLOURS.inspect, points: pick("inspect", (p) => p.heapBytes / 1e6) },
      { label: "peak JS heap, batch (MB)", colour: COLOURS.batch, points: pick("batch", (p) => p.heapBytes / 1e6) },
      { label: "main thread busy, inspection (s)", colour: COLOURS.inspect, dash: "2 3", points: pick("inspect", (p) => s(p.main.taskMs)) },
      { label: "main thread busy, batch (s)", colour: COLOURS.batch, dash: "2 3", points: pick("batch", (p) => s(p.main.taskMs)) },
      ...(results.points[0].runs[0].inspect.cpu ? [
        { label: "CPU, Chromium + emulator, inspection (s)", colour: COLOURS.inspect, dash: "8 3 2 3", points: pick("inspect", (p) => Object.values(p.cpu).reduce((a, b) => a + b, 0)) },
        { label: "CPU, Chromium + emulator, batch (s)", colour: COLOURS.batch, dash: "8 3 2 3", points: pick("batch", (p) => Object.values(p.cpu).reduce((a, b) => a + b, 0)) },
      ] : []),
    ],
  });
  const note = `${results.command} — ${results.date}, ${results.machine}; load average during the runs ${results.load}. Floor: latency × the sequential exchanges (each round trip with its CORS preflight, the token request before an environment's first round, discovery first); environments concurrent (BENCHMARKS.md).`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
<style>
  text { font-family: "DejaVu Sans", Arial, sans-serif; fill: #222; }
  .title { font-size: 15px; font-weight: bold; }
  .tick { font-size: 12px; fill: #444; }
  .label { font-size: 13px; }
  .legend { font-size: 12px; }
  .note { font-size: 11px; fill: #555; }
  .grid { stroke: #e3e3e3; }
  .axis { stroke: #444; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${PANEL.left}" y="28" style="font-size:18px;font-weight:bold">w365-appuser: a tenant of 1 to ${Math.max(...xs)} environments in headless Chromium against the tenant emulator</text>
${time}
${requests}
${heap}
${wrap(note, 190).map((line, i) => `<text x="${PANEL.left - 50}" y="${H - 30 + i * 15}" class="note">${esc(line)}</text>`).join("\n")}
</svg>`;
}

/** Renders the chart to `png` with Debian's Chromium. */
export async function renderPng(results, png) {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: W, height: H } });
    await page.setContent(`<!doctype html><body style="margin:0">${chart(results)}</body>`);
    await page.locator("svg").screenshot({ path: png });
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input, png] = process.argv.slice(2);
  if (!input || !png) throw new Error("usage: node bench/plot.mjs RESULTS.json OUT.png");
  await renderPng(JSON.parse(readFileSync(input, "utf8")), png);
  console.log(`wrote ${png}`);
}
