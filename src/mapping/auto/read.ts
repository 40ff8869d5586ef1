// How one string value of a status field is exported. The schema decides; the value's shape
// only where the schema is silent, and even then a plain number in a string is not read as a
// number (`"16.10"` is a version, a 19-digit string an ID, a condition reason `"404"` a
// reason): only int-or-string fields, a string observedGeneration, and the recognised forms
// below are numbers.
//   format date-time / date          → timestamp (unparsable otherwise)
//   format duration                  → seconds (Go or ISO 8601)
//   enum in the schema               → state
//   RFC 3339 or Go time.String()     → timestamp
//   NN%                              → the ratio
//   a time-named field + a duration  → seconds (`5m` is five minutes in `syncInterval`)
//   a quantity with a unit (10Gi)    → the number; a Go duration elsewhere (250ms) → seconds
//   free text by name, or prose      → nothing (never a label)
//   anything else                    → state (a label)

import type { FieldShape } from "./fields.ts";
import { isPhraseState, isProse } from "./names.ts";
import {
  hasQuantitySuffix,
  looksLikeTimestamp,
  parseAnyDuration,
  parseDate,
  parseGoTime,
  parsePercent,
  parseQuantity,
  parseTimestamp,
} from "./values.ts";

export type Reading =
  | { readonly as: "number" | "timestamp" | "seconds"; readonly value: number }
  | { readonly as: "state" | "skip" | "unparsable" };

const SKIP: Reading = { as: "skip" };
const STATE: Reading = { as: "state" };
const UNPARSABLE: Reading = { as: "unparsable" };

function parsed(as: "number" | "timestamp" | "seconds", value: number | undefined): Reading {
  return value === undefined ? UNPARSABLE : { as, value };
}

function isDigitLead(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

const INTEGER = /^[+-]?\d{1,15}$/;

/** `maxLabel`: longest value kept as a label; longer values read as prose. */
export function readString(field: FieldShape, s: string, maxLabel: number): Reading {
  if (s === "") return SKIP;
  const format = field.format;
  if (format === "date-time") return parsed("timestamp", parseTimestamp(s) ?? parseGoTime(s));
  if (format === "date") return parsed("timestamp", parseDate(s));
  if (format === "duration") return parsed("seconds", parseAnyDuration(s));
  if (field.enumValues !== undefined) return STATE;
  if (field.seg === "observed_generation" && INTEGER.test(s)) return { as: "number", value: Number(s) };
  if (field.intOrString) {
    const n = s.endsWith("%") ? parsePercent(s) : parseQuantity(s);
    if (n !== undefined) return { as: "number", value: n };
  }
  if (looksLikeTimestamp(s)) {
    const t = parseTimestamp(s);
    if (t !== undefined) return { as: "timestamp", value: t };
  } else if (s.length >= 25 && s[10] === " " && s[4] === "-") {
    const t = parseGoTime(s);
    if (t !== undefined) return { as: "timestamp", value: t };
  }
  if (s.endsWith("%")) {
    const p = parsePercent(s);
    if (p !== undefined) return { as: "number", value: p };
  }
  if (field.timeish) {
    const d = parseAnyDuration(s);
    if (d !== undefined) return { as: "seconds", value: d };
  }
  if (isDigitLead(s.charCodeAt(0)) && hasQuantitySuffix(s)) {
    const q = parseQuantity(s);
    if (q !== undefined) return { as: "number", value: q };
    const d = parseAnyDuration(s);
    if (d !== undefined) return { as: "seconds", value: d };
  }
  if (field.freeText || isProse(s, maxLabel, isPhraseState(field.seg))) return SKIP;
  return STATE;
}
