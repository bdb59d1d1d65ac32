// Small numeric helpers shared by the benches: the machine's load, medians, seconds.
import { loadavg } from "node:os";
import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

/** The load average, to print beside every timing: the machine is shared. */
export const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

export const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};
export const quantile = (list, q) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
};
export const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
