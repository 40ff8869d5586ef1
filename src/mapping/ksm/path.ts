// kube-state-metrics' path syntax: a list of segments resolved one after the other against
// the decoded object. A segment is
//   - a map key (`status`), or on a list an index (`0`, `-1` counts from the end);
//   - `[key=value]`: on a list, the first element that is a map whose `key` equals `value`
//     (as a string, or as a number or boolean when `value` reads as one);
//   - `key=value`: on a map, the value of `key` if it is the string `value`, otherwise the
//     entry literally named `key=value`.
// Anything that does not resolve gives undefined (Go's nil): never an exception.

import { isPlainObject } from "../json.ts";
import { ksmToFloat } from "./values.ts";

export class PathSyntaxError extends Error {
  override name = "PathSyntaxError";
}

type Op = (value: unknown) => unknown;

/** An own property only: a JSON key named `constructor` must not find Object.prototype's. */
export function entry(map: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

export class ValuePath {
  readonly parts: readonly string[];
  private readonly ops: readonly Op[];

  constructor(parts: readonly string[], ops: readonly Op[]) {
    this.parts = parts;
    this.ops = ops;
  }

  get isEmpty(): boolean {
    return this.parts.length === 0;
  }

  /** Resolve against `value`; null and missing are both undefined. */
  get(value: unknown): unknown {
    let current = value;
    for (const op of this.ops) {
      if (current === null || current === undefined) return undefined;
      current = op(current);
    }
    return current ?? undefined;
  }

  /** `[status,conditions,[type=Ready]]`, the form ksm writes in its messages. */
  toString(): string {
    return `[${this.parts.join(",")}]`;
  }

  /** This path followed by `more`. */
  concat(more: ValuePath): ValuePath {
    return new ValuePath([...this.parts, ...more.parts], [...this.ops, ...more.ops]);
  }
}

const GO_INT = /^[+-]?[0-9]+$/;
const GO_BOOL = new Map([
  ["1", true],
  ["t", true],
  ["T", true],
  ["TRUE", true],
  ["true", true],
  ["True", true],
  ["0", false],
  ["f", false],
  ["F", false],
  ["FALSE", false],
  ["false", false],
  ["False", false],
]);

function listLookup(part: string): Op {
  const inner = part.slice(1, -1);
  const eq = inner.indexOf("=");
  if (eq < 0) throw new PathSyntaxError(`invalid list lookup: ${part}`);
  const key = inner.slice(0, eq);
  const want = inner.slice(eq + 1);
  const asNumber = ksmToFloat(want, false);
  const asBool = GO_BOOL.get(want);
  return (value) => {
    if (!Array.isArray(value)) return undefined;
    for (const item of value) {
      if (!isPlainObject(item) || !Object.hasOwn(item, key)) continue;
      const candidate = item[key];
      if (candidate === want) return item;
      if (asNumber.ok) {
        const n = ksmToFloat(candidate, false);
        if (n.ok && n.value === asNumber.value) return item;
      }
      if (asBool !== undefined && candidate === asBool) return item;
    }
    return undefined;
  };
}

function keyOrIndex(part: string): Op {
  const kv = part.split("=");
  const filter = kv.length === 2 ? { key: kv[0]!, want: kv[1]! } : undefined;
  const index = GO_INT.test(part) ? BigInt(part) : undefined;
  const int64 = index !== undefined && index >= -(2n ** 63n) && index < 2n ** 63n ? Number(index) : undefined;
  return (value) => {
    if (isPlainObject(value)) {
      if (filter && entry(value, filter.key) === filter.want) return filter.want;
      return entry(value, part);
    }
    if (Array.isArray(value)) {
      if (int64 === undefined) return undefined;
      const i = int64 < 0 ? int64 + value.length : int64;
      return i >= 0 && i < value.length ? value[i] : undefined;
    }
    return undefined;
  };
}

/** Compile a configured path; throws PathSyntaxError for `[...]` without `=`. */
export function compilePath(parts: readonly string[]): ValuePath {
  const ops = parts.map((part) =>
    part.startsWith("[") && part.endsWith("]") && part.length >= 2 ? listLookup(part) : keyOrIndex(part),
  );
  return new ValuePath(parts, ops);
}
