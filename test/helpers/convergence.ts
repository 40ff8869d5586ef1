// The convergence check every fault test ends with: what the exporter under test serves equals
// what a fresh exporter, listing everything anew through the same mapping, serves. Counters are
// left out (they count what one process observed, so a fresh one starts them at 0).

import { startTestExporter } from "./exporter.ts";
import type { ParsedExposition, Sample } from "./exposition.ts";
import { scrape } from "./scrape.ts";
import { eventually } from "./wait.ts";

function stateSeries(parsed: ParsedExposition): string[] {
  const counters = new Set([...parsed.types].filter(([, t]) => t === "counter").map(([name]) => name));
  const key = (s: Sample) =>
    `${s.name}{${Object.entries(s.labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(",")}} ${s.value}`;
  return parsed.samples
    .filter((s) => !counters.has(s.name))
    .map(key)
    .sort();
}

/** Diff of two sorted series lists, for a readable failure. */
function diff(actual: string[], expected: string[]): string {
  const a = new Set(actual);
  const e = new Set(expected);
  const missing = expected.filter((s) => !a.has(s)).slice(0, 10);
  const extra = actual.filter((s) => !e.has(s)).slice(0, 10);
  return `missing ${missing.length ? `\n  ${missing.join("\n  ")}` : "none"}\nextra ${extra.length ? `\n  ${extra.join("\n  ")}` : "none"}`;
}

/**
 * Wait until the exporter on `port` serves exactly what a fresh exporter (same flags, direct
 * kubeconfig) serves. Returns the number of series compared.
 */
export async function expectConverged(
  port: number,
  kubeconfig: string,
  args: readonly string[] = [],
  timeoutMs = 60_000,
): Promise<number> {
  const reference = await startTestExporter(kubeconfig, args);
  try {
    await eventually(
      "reference exporter ready",
      async () => (await fetch(`http://127.0.0.1:${reference.port}/readyz`)).ok,
    );
    let last = "";
    return await eventually(
      "exporter converged to a fresh list",
      async () => {
        const [got, want] = await Promise.all([scrape(port), scrape(reference.port)]);
        const a = stateSeries(got.parsed);
        const e = stateSeries(want.parsed);
        if (a.length === e.length && a.every((s, i) => s === e[i])) return a.length;
        last = diff(a, e);
        throw new Error(last);
      },
      timeoutMs,
      250,
    );
  } finally {
    await reference.stop();
  }
}
