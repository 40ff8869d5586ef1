// Health verdicts over the operator corpus (test/fixtures/operators/): the kind × verdicts table
// of docs/health.md, and the cost of a verdict per object (built-in CEL rules + generic rules,
// and the generic rules alone), compiled once and evaluated many times.
//
//   ./node_modules/.bin/node bench/health.ts            table + timings
//   ./node_modules/.bin/node bench/health.ts --verbose  also one line per object
//   ./node_modules/.bin/node bench/health.ts --write-docs  also rewrite docs/health.md's tables
//                                                          (built-in rules, corpus, cost)
//
// The corpus test (test/unit/health-corpus.test.ts) asserts the same verdicts; this prints them.

import { readFileSync, writeFileSync } from "node:fs";
import { BUILTIN_HEALTH_RULES } from "../src/mapping/health/builtin-rules.ts";
import { assessGeneric, compileHealthRules } from "../src/mapping/health/index.ts";
import type { KubeObject } from "../src/mapping/types.ts";
import { loadCorpus } from "../test/helpers/corpus.ts";

const verbose = process.argv.includes("--verbose");

interface KindRef {
  group: string;
  kind: string;
  plural: string;
}
const kinds = new Map<string, KindRef>();
const objects: KubeObject[] = [];
for (const k of loadCorpus()) {
  kinds.set(`${k.info.kind}.${k.info.group}`, {
    group: k.info.group,
    kind: k.info.kind,
    plural: k.info.plural,
  });
  objects.push(...k.objects);
}

const rules = compileHealthRules(undefined);
type Row = {
  total: number;
  byState: Map<string, number>;
  wrong: string[];
  genericWrong: number;
  errors: number;
};
const rows = new Map<string, Row>();
const prepared: Array<{ kind: KindRef; obj: KubeObject }> = [];
for (const obj of objects) {
  const group = String(obj.apiVersion).split("/")[0] ?? "";
  const kind = kinds.get(`${obj.kind}.${group}`);
  if (!kind) continue;
  const a = obj.metadata?.annotations ?? {};
  const terminating =
    a["cr-exporter.test/terminating"] === "true" || a["cr-exporter.test/case"] === "terminating";
  const o =
    terminating && !obj.metadata?.deletionTimestamp
      ? { ...obj, metadata: { ...obj.metadata, deletionTimestamp: "2026-11-26T00:00:00Z" } }
      : obj;
  prepared.push({ kind, obj: o });
  const v = rules.forKind(kind).assess(o);
  const g = assessGeneric(o);
  const expected = a["cr-exporter.test/expected-health"];
  const key = `${kind.kind}.${kind.group}`;
  const row: Row = rows.get(key) ?? { total: 0, byState: new Map(), wrong: [], genericWrong: 0, errors: 0 };
  rows.set(key, row);
  row.total++;
  row.byState.set(v.state, (row.byState.get(v.state) ?? 0) + 1);
  if (expected !== undefined && expected !== v.state)
    row.wrong.push(`${o.metadata?.name}: ${v.state} ≠ ${expected}`);
  if (expected !== undefined && expected !== g.state) row.genericWrong++;
  if (v.ruleError) row.errors++;
  if (verbose)
    console.log(
      `${expected === undefined || expected === v.state ? "  " : "XX"} ${key} ${o.metadata?.name} [${a["cr-exporter.test/case"]}] ${v.state} (${v.reason}) generic: ${g.state} (${g.reason})`,
    );
}

const corpusTable = [
  "| kind | objects | Current | InProgress | Failed | Terminating | as annotated | generic rules alone: as annotated |",
  "|---|---:|---:|---:|---:|---:|---:|---:|",
];
for (const [key, r] of [...rows].sort()) {
  const n = (s: string) => r.byState.get(s) ?? 0;
  corpusTable.push(
    `| ${key} | ${r.total} | ${n("Current")} | ${n("InProgress")} | ${n("Failed")} | ${n("Terminating")} | ${r.total - r.wrong.length}/${r.total} | ${r.total - r.genericWrong}/${r.total} |`,
  );
  for (const w of r.wrong) corpusTable.push(`|   ✗ ${w} | | | | | | | |`);
}
console.log(corpusTable.join("\n"));

function perObjectNs(fn: (k: KindRef, o: KubeObject) => unknown): number {
  for (let i = 0; i < 200; i++) for (const p of prepared) fn(p.kind, p.obj);
  let n = 0;
  const start = process.hrtime.bigint();
  while (process.hrtime.bigint() - start < 1_000_000_000n) {
    for (const p of prepared) fn(p.kind, p.obj);
    n += prepared.length;
  }
  return Number(process.hrtime.bigint() - start) / n;
}
const t0 = process.hrtime.bigint();
for (let i = 0; i < 10; i++) compileHealthRules(undefined);
const compileMs = Number(process.hrtime.bigint() - t0) / 1e6 / 10;
const withRules = perObjectNs((k, o) => rules.forKind(k).assess(o));
const generic = perObjectNs((_k, o) => assessGeneric(o));
const cost = [
  `${prepared.length} objects of ${rows.size} kinds; node ${process.version}`,
  `compile the built-in rule set: ${compileMs.toFixed(1)} ms`,
  `per object, built-in rules + generic: ${(withRules / 1000).toFixed(2)} µs`,
  `per object, generic rules only:       ${(generic / 1000).toFixed(2)} µs`,
];
console.log(`\n${cost.join("\n")}`);

if (process.argv.includes("--write-docs")) {
  const DOC = new URL("../docs/health.md", import.meta.url).pathname;
  const rules = ["| kind | Failed | InProgress | Current |", "|---|---|---|---|"];
  for (const [key, r] of Object.entries(BUILTIN_HEALTH_RULES)) {
    const reasons = (l?: readonly { reason: string }[]) =>
      [...new Set((l ?? []).map((x) => x.reason))].join("; ");
    rules.push(`| \`${key}\` | ${reasons(r.failed)} | ${reasons(r.inProgress)} | ${reasons(r.current)} |`);
  }
  /** Replace the block that starts with `start` and ends at the next blank line (or closing fence). */
  const replace = (text: string, start: string, end: string, block: string, after = "") => {
    const a = text.indexOf(start, text.indexOf(after));
    const b = text.indexOf(end, a + start.length);
    if (a < 0 || b < 0) throw new Error(`docs/health.md: no block starting ${JSON.stringify(start)}`);
    return text.slice(0, a) + block + text.slice(b);
  };
  let doc = readFileSync(DOC, "utf8");
  doc = replace(doc, "| kind | Failed | InProgress | Current |", "\n\n", rules.join("\n"));
  doc = replace(doc, "| kind | objects |", "\n\n", corpusTable.join("\n"));
  doc = replace(doc, "```\n", "```", `\`\`\`\n${cost.join("\n")}\n`, "\n## Cost");
  writeFileSync(DOC, doc);
  console.log("\nwrote docs/health.md");
}
