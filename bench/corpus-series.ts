// Series per object of the auto mapper over the real-operator corpus (test/fixtures/operators/),
// per kind: the typical object (median) and the biggest one. With `--before FILE` (the same
// figures as JSON from an earlier build: {"Kind.group": {"object": series}}), prints both side
// by side. docs/operators.md holds the table this printed.
//   node bench/corpus-series.ts [--before before.json] [--json]

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createAutoMapper } from "../src/mapping/auto/index.ts";
import { loadCorpus } from "../test/helpers/corpus.ts";

const { values } = parseArgs({ options: { before: { type: "string" }, json: { type: "boolean" } } });
const before = values.before
  ? (JSON.parse(readFileSync(values.before, "utf8")) as Record<string, Record<string, number>>)
  : undefined;

const mapper = createAutoMapper();
const after: Record<string, Record<string, number>> = {};
/** The object each kind's corpus marks as its big case (hundreds of managed things). */
const big: Record<string, string> = {};
for (const k of loadCorpus()) {
  const km = mapper.forKind(k.info)!;
  const key = `${k.info.kind}.${k.info.group}`;
  after[key] = {};
  for (const o of k.objects) {
    const r = km.map(o, undefined);
    after[key][o.metadata?.name ?? "?"] = r.families.reduce((n, f) => n + f.series, 0);
    if (o.metadata?.annotations?.["cr-exporter.test/case"] === "big") big[key] ??= o.metadata.name ?? "?";
  }
}
if (values.json) {
  console.log(JSON.stringify(after));
  process.exit(0);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? 0;
};

const head = before
  ? "| kind | objects | median before | median after | big object | before | after | max after |"
  : "| kind | objects | median | big object | series | max |";
console.log(head);
console.log(head.replace(/[^|]+/g, " --- "));
for (const [kind, objs] of Object.entries(after).sort()) {
  const bigName = big[kind] ?? "";
  const bigAfter = objs[bigName];
  const max = Math.max(...Object.values(objs));
  const n = Object.keys(objs).length;
  if (before) {
    const b = before[kind] ?? {};
    const med = median(Object.values(b));
    console.log(
      `| ${kind} | ${n} | ${med} | ${median(Object.values(objs))} | ${bigName} | ${b[bigName] ?? "?"} | ${bigAfter} | ${max} |`,
    );
  } else
    console.log(`| ${kind} | ${n} | ${median(Object.values(objs))} | ${bigName} | ${bigAfter} | ${max} |`);
}
