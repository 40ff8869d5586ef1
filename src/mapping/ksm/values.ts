// How kube-state-metrics turns a field into a sample value (its toFloat64) and into a label
// value (Go's fmt "%v"). The order of the string parsers is ksm's and matters: "1m" is a
// quantity (0.001) before it could be anything else, "50%" is 0.5 only because it is not a
// quantity, timestamps keep whole seconds only.

import { parseKsmQuantity } from "./quantity.ts";

export type ValueResult =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly error: string };

const ok = (value: number): ValueResult => ({ ok: true, value });
const fail = (error: string): ValueResult => ({ ok: false, error });

/** The Go type name ksm's messages use for a decoded JSON value (`%T`). */
export function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number")
    return Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? "int64" : "float64";
  if (Array.isArray(value)) return "[]interface {}";
  return "map[string]interface {}";
}

/**
 * ksm's toFloat64: numbers as they are, booleans 1/0, and strings tried in this order:
 * true/yes → 1, false/no/unknown → 0 (any case); an RFC 3339 time → Unix seconds (whole);
 * a Kubernetes quantity; `<digits>%` → /100; Go's strconv.ParseFloat. Null is an error unless
 * `nilIsZero`. Objects and lists are errors.
 */
export function ksmToFloat(value: unknown, nilIsZero: boolean): ValueResult {
  if (value === null || value === undefined) {
    return nilIsZero ? ok(0) : fail("expected number but found nil value");
  }
  if (typeof value === "boolean") return ok(value ? 1 : 0);
  if (typeof value === "number") return ok(value);
  if (typeof value === "string") return parseKsmString(value);
  return fail(`expected number but was ${goFormat(value)}`);
}

const PERCENT = /^[0-9]+%$/;

export function parseKsmString(s: string): ValueResult {
  const lower = s.toLowerCase();
  if (lower === "true" || lower === "yes") return ok(1);
  if (lower === "false" || lower === "no" || lower === "unknown") return ok(0);
  const time = parseRfc3339Seconds(s);
  if (time !== undefined) return ok(time);
  const quantity = parseKsmQuantity(s);
  if (quantity !== undefined) return ok(quantity);
  if (PERCENT.test(s)) {
    const n = Number(s.slice(0, -1));
    return Number.isFinite(n) ? ok(n / 100) : fail(`parsing "${s}": value out of range`);
  }
  const f = parseGoFloat(s);
  if (f === undefined) return fail(`parsing "${s}": invalid syntax`);
  if (f === "range") return fail(`parsing "${s}": value out of range`);
  return ok(f);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Days from 1970-01-01 to the given civil date (proleptic Gregorian, any year). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Go's time.Parse(time.RFC3339, s).Unix(): `T` and `Z` upper-case only, a `.` or `,` fraction
 * of any length (dropped: Unix() floors to the second, and a fraction in [0,1) never changes
 * the floor), offsets `±hh:mm` with hh ≤ 24 and mm ≤ 60, as Go's parser accepts them.
 */
export function parseRfc3339Seconds(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const maxDay = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > maxDay) return undefined;
  let offset = 0;
  if (m[7] !== undefined) {
    const oh = Number(m[8]);
    const om = Number(m[9]);
    if (oh > 24 || om > 60) return undefined;
    offset = (m[7] === "-" ? -1 : 1) * (oh * 3600 + om * 60);
  }
  return daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
}

const DECIMAL_FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/;

/** Go's rule for `_` in number literals: only between digits, or right after a base prefix. */
function underscoresOk(s: string): boolean {
  let i = 0;
  if (s[0] === "+" || s[0] === "-") i++;
  let hex = false;
  let saw = "^"; // '^' start, '0' digit or prefix, '_' underscore, '!' anything else
  if (s.length - i >= 2 && s[i] === "0" && "xXbBoO".includes(s[i + 1]!)) {
    hex = s[i + 1] === "x" || s[i + 1] === "X";
    i += 2;
    saw = "0";
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= "0" && c <= "9") || (hex && /[a-fA-F]/.test(c))) saw = "0";
    else if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
    } else {
      if (saw === "_") return false;
      saw = "!";
    }
  }
  return saw !== "_";
}

/**
 * Go's strconv.ParseFloat(s, 64) for what reaches it after the quantity parser: decimal and
 * hexadecimal (`0x1p4`, exponent required) literals with `_` separators, `inf`/`infinity`
 * with an optional sign and unsigned `nan`, any case. Returns "range" on overflow.
 */
export function parseGoFloat(s: string): number | "range" | undefined {
  const lower = s.toLowerCase();
  const unsigned = lower.replace(/^[+-]/, "");
  if (unsigned === "inf" || unsigned === "infinity") {
    return lower[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (lower === "nan") return Number.NaN;
  let text = s;
  if (s.includes("_")) {
    if (!underscoresOk(s)) return undefined;
    text = s.replaceAll("_", "");
  }
  if (DECIMAL_FLOAT.test(text)) {
    const n = Number(text);
    return Number.isFinite(n) ? n : "range";
  }
  const hex = HEX_FLOAT.exec(text);
  if (!hex) return undefined;
  const [, sign, int = "", frac = "", exp = "0"] = hex;
  if (int === "" && frac === "") return undefined;
  let mantissa = 0;
  for (const c of int) mantissa = mantissa * 16 + Number.parseInt(c, 16);
  let scale = 1 / 16;
  for (const c of frac) {
    mantissa += Number.parseInt(c, 16) * scale;
    scale /= 16;
  }
  const n = mantissa * 2 ** Number(exp);
  if (!Number.isFinite(n)) return "range";
  return sign === "-" ? -n : n;
}

/**
 * Go's `%v` of a float64 (strconv 'g', shortest): round-trip digits, in exponent form when
 * the decimal exponent is below -4 or at least 6 (`1e+06`, `1e-05`, `1.2345675e+06`, but
 * `123456.5`).
 */
function goFormatFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mantissa = "", expText = "0"] = v.toExponential().split("e");
  const exp = Number(expText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exp < -4 || exp >= 6) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${body}e${exp < 0 ? "-" : "+"}${e < 10 ? `0${e}` : e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/**
 * A decoded JSON value as Go's `fmt.Sprintf("%v", v)` writes it, which is how ksm turns a
 * field into a label value. Integral numbers print as integers (the API server hands them to
 * Go as int64); other numbers as Go floats; maps as `map[k:v ...]` with sorted keys; lists as
 * `[a b]`; null as `<nil>`.
 */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (Number.isInteger(value) && Math.abs(value) < 2 ** 63) return BigInt(value).toString();
    return goFormatFloat(value);
  }
  if (Array.isArray(value)) return `[${value.map(goFormat).join(" ")}]`;
  if (typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${k}:${goFormat((value as Record<string, unknown>)[k])}`);
    return `map[${entries.join(" ")}]`;
  }
  return String(value);
}
