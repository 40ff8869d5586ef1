// labelsFromPath as kube-state-metrics applies it (its addPathLabels):
//   - keys starting or ending with `*` copy a whole map: every entry becomes a label, named by
//     its key (after the `prefix_` before a trailing `*`); these go first, in sorted key order,
//     so later ones and every plain key override them;
//   - plain keys take the value at their path, and are skipped when it does not resolve;
//   - values are written as Go's `%v` writes them; names get ksm's sanitising (every character
//     outside [a-zA-Z0-9_] becomes `_`).

import { isPlainObject } from "../json.ts";
import { compilePath, type ValuePath } from "./path.ts";
import { goFormat } from "./values.ts";

/** Label set under construction; a Map so any label name is just a key. */
export type LabelMap = Map<string, string>;

interface StarLabel {
  /** What goes before each copied key: the text before a trailing `*`, else nothing. */
  readonly prefix: string;
  readonly path: ValuePath;
}

interface PathLabel {
  readonly name: string;
  readonly path: ValuePath;
}

export interface CompiledLabels {
  readonly stars: readonly StarLabel[];
  readonly plain: readonly PathLabel[];
}

/**
 * ksm's SanitizeLabelName, plus what keeps the exposition valid where ksm would write a broken
 * line: a name starting with a digit gets a leading `_`. Empty names are returned empty (the
 * caller drops them).
 */
export function sanitizeKsmLabelName(name: string): string {
  const out = name.replace(/[^a-zA-Z0-9_]/g, "_");
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

const isStar = (key: string) => key.startsWith("*") || key.endsWith("*");

/** Compile a labelsFromPath map (key → path segments); throws PathSyntaxError. */
export function compileLabels(entries: ReadonlyArray<readonly [string, readonly string[]]>): CompiledLabels {
  const stars: Array<StarLabel & { key: string }> = [];
  const plain: PathLabel[] = [];
  for (const [key, parts] of entries) {
    const path = compilePath(parts);
    if (isStar(key)) stars.push({ key, prefix: key.endsWith("*") ? key.slice(0, -1) : "", path });
    else plain.push({ name: sanitizeKsmLabelName(key), path });
  }
  stars.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { stars: stars.map(({ prefix, path }) => ({ prefix, path })), plain };
}

/** Add the labels of `compiled`, resolved against `value`, to `out` (overriding). */
export function addPathLabels(value: unknown, compiled: CompiledLabels, out: LabelMap): void {
  for (const star of compiled.stars) {
    const map = star.path.get(value);
    if (!isPlainObject(map)) continue;
    for (const key of Object.keys(map).sort()) {
      const name = sanitizeKsmLabelName(star.prefix + key);
      if (name !== "") out.set(name, goFormat(map[key]));
    }
  }
  for (const label of compiled.plain) {
    const resolved = label.path.get(value);
    if (resolved === undefined || label.name === "") continue;
    out.set(label.name, goFormat(resolved));
  }
}
