// The text form of an explain report: per kind, its families as a table, its lists and maps,
// the fields skipped, and the objects with the most series.

import type { Options } from "../config/options.ts";
import type { ExplainReport, KindReport, ObjectReport } from "./report.ts";

/** Objects listed per kind in text (JSON has them all). */
const TOP_OBJECTS = 10;
/** Families named per object in text. */
const TOP_FAMILIES = 5;

function table(rows: readonly string[][], indent: string): string[] {
  const widths: number[] = [];
  for (const r of rows) for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i] ?? 0, r[i]!.length);
  return rows.map(
    (r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "),
  );
}

function objectName(o: ObjectReport): string {
  return o.namespace === undefined ? o.name : `${o.namespace}/${o.name}`;
}

function kindText(k: KindReport, options: Pick<Options, "seriesLimitPerObject" | "listItemsMax">): string[] {
  const out: string[] = [];
  out.push(
    `${k.kind}.${k.group} (version ${k.version}, ${k.namespaced ? "namespaced" : "cluster-scoped"}, CRD ${k.crd})`,
  );
  out.push(`  every series starts with: ${k.objectLabels.join(", ")}`);
  out.push(`  families (${k.families.length}):`);
  out.push(
    ...table(
      [
        ["family", "type", "labels", "from"],
        ...k.families.map((f) => [
          f.name,
          f.type,
          f.labels.length > 0 ? f.labels.join(",") : "-",
          f.sources.join("; ") + (f.when ? ` [${f.when}]` : ""),
        ]),
      ],
      "    ",
    ),
  );
  if (k.lists.length > 0) {
    out.push("  lists and maps:");
    for (const l of k.lists) out.push(`    ${l.path}: ${l.detail}`);
  }
  if (k.skipped.length > 0) {
    out.push("  skipped:");
    for (const s of k.skipped) out.push(`    ${s.path}: ${s.why}`);
  }
  if (k.runtime.length > 0) {
    out.push("  read by the value's type (the schema leaves them open):");
    for (const s of k.runtime) out.push(`    ${s.path}`);
  }
  if (k.objects !== undefined) {
    const objs = k.objects;
    const total = objs.reduce((n, o) => n + o.series, 0);
    out.push(
      `  objects: ${objs.length}, ${total} series (limit per object ${options.seriesLimitPerObject}, --list-items-max ${options.listItemsMax})${objs.length > TOP_OBJECTS ? `; the ${TOP_OBJECTS} largest:` : objs.length > 0 ? ", largest first:" : ""}`,
    );
    for (const o of objs.slice(0, TOP_OBJECTS)) {
      const top = o.families
        .slice(0, TOP_FAMILIES)
        .map((f) => `${f.name} ${f.series}`)
        .join(", ");
      out.push(
        `    ${objectName(o)}: ${o.series} series (${top}${o.families.length > TOP_FAMILIES ? ", ..." : ""})`,
      );
      for (const d of o.dropped)
        out.push(`      dropped ${d.count} (${d.reason})${d.detail ? `: ${d.detail}` : ""}`);
      for (const i of o.issues) out.push(`      issue ${i.reason}: ${i.detail}`);
      if (o.unplanned.length > 0)
        out.push(`      from fields the schema leaves open: ${o.unplanned.join(", ")}`);
    }
  }
  return out;
}

export function renderText(
  report: ExplainReport,
  options: Pick<Options, "seriesLimitPerObject" | "listItemsMax">,
): string {
  const out: string[] = [];
  for (const k of report.kinds) {
    out.push(...kindText(k, options), "");
  }
  if (report.kinds.length === 0) out.push("no custom resource kind to explain", "");
  const s = report.summary;
  if (s.objects !== undefined) {
    const largest = s.largest
      ? `; the largest: ${s.largest.kind} ${s.largest.object}, ${s.largest.series} series`
      : "";
    out.push(`in all: ${s.kinds} kinds, ${s.objects} objects, ${s.series} series${largest}`, "");
  } else
    out.push(`in all: ${s.kinds} kinds (series per object: give objects, or --objects with a cluster)`, "");
  if (report.notes.length > 0) {
    out.push("notes:");
    for (const n of report.notes) out.push(`  ${n}`);
  }
  return out.join("\n").trimEnd();
}
