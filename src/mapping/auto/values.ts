// Strict parsers for the string values found in Kubernetes statuses: RFC 3339 timestamps,
// Kubernetes quantities, percentages, Go durations, condition statuses. Each returns
// `undefined` for anything it does not accept (never throws, never guesses).
//
// Why not @kubernetes/client-node's quantityToScalar: it returns a BigInt for k/M/G/Ki…
// suffixes (a number for m/n/u and none), throws on `1.5Gi` and `1.5k`, and accepts things
// that are not quantities (`Infinity`, `0x10`, ` 5 `). This grammar follows
// k8s.io/apimachinery/pkg/api/resource exactly and always returns a finite number.

const ZERO = 48;
const NINE = 57;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/**
 * Scan `<digits>`, `<digits>.<digits>`, `<digits>.` or `.<digits>` starting at `i`.
 * Returns the index after the number, or -1 when there is no number there.
 */
function scanNumber(s: string, i: number): number {
  const start = i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  const intDigits = i - start;
  if (i < s.length && s.charCodeAt(i) === 46 /* . */) {
    i++;
    const fracStart = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    if (intDigits === 0 && i === fracStart) return -1;
  } else if (intDigits === 0) return -1;
  return i;
}

const SUFFIXES = new Map<string, number>([
  ["Ki", 2 ** 10],
  ["Mi", 2 ** 20],
  ["Gi", 2 ** 30],
  ["Ti", 2 ** 40],
  ["Pi", 2 ** 50],
  ["Ei", 2 ** 60],
  ["n", 1e-9],
  ["u", 1e-6],
  ["m", 1e-3],
  ["", 1],
  ["k", 1e3],
  ["M", 1e6],
  ["G", 1e9],
  ["T", 1e12],
  ["P", 1e15],
  ["E", 1e18],
]);

/**
 * A Kubernetes resource quantity (`250m`, `10Gi`, `1.5`, `1e3`, `-2k`, `.5`) as a number.
 * Grammar: `[+-]<number>(<binarySI>|<decimalSI>|[eE][+-]<digits>)?`.
 */
export function parseQuantity(s: string): number | undefined {
  if (s.length === 0 || s.length > 64) return undefined;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 /* + */ || c0 === 45 /* - */) i++;
  const end = scanNumber(s, i);
  if (end < 0) return undefined;
  const mantissa = Number(s.slice(0, end));
  if (!Number.isFinite(mantissa)) return undefined;
  const suffix = end === s.length ? "" : s.slice(end);
  const scale = SUFFIXES.get(suffix);
  if (scale !== undefined) {
    const value = mantissa * scale;
    return Number.isFinite(value) ? value : undefined;
  }
  // Decimal exponent: e<signedNumber> (integer digits only, as apimachinery parses it).
  const c = suffix.charCodeAt(0);
  if ((c !== 101 && c !== 69) /* e E */ || suffix.length < 2) return undefined;
  let j = 1;
  const sc = suffix.charCodeAt(1);
  if (sc === 43 || sc === 45) j++;
  if (j >= suffix.length) return undefined;
  for (let k = j; k < suffix.length; k++) if (!isDigit(suffix.charCodeAt(k))) return undefined;
  const value = Number(`${s.slice(0, end)}e${suffix.slice(1)}`);
  return Number.isFinite(value) ? value : undefined;
}

/** `NN%` (also `-NN%`, `12.5%`) → NN/100. */
export function parsePercent(s: string): number | undefined {
  if (s.length < 2 || s.length > 32 || s.charCodeAt(s.length - 1) !== 37 /* % */) return undefined;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) i++;
  const end = scanNumber(s, i);
  if (end !== s.length - 1) return undefined;
  return Number(s.slice(0, end)) / 100;
}

const DURATION_UNITS = new Map<string, number>([
  ["ns", 1e-9],
  ["us", 1e-6],
  ["\u00b5s", 1e-6], // µs (micro sign)
  ["\u03bcs", 1e-6], // μs (Greek mu)
  ["ms", 1e-3],
  ["s", 1],
  ["m", 60],
  ["h", 3600],
]);

/**
 * A Go duration (`time.ParseDuration`): `1h30m`, `250ms`, `-1.5s`, `0`. Returns seconds.
 * Every number needs a unit, except a bare `0`.
 */
export function parseDuration(s: string): number | undefined {
  if (s.length === 0 || s.length > 64) return undefined;
  let i = 0;
  let sign = 1;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) {
    if (c0 === 45) sign = -1;
    i++;
  }
  if (s.slice(i) === "0") return 0;
  if (i === s.length) return undefined;
  let total = 0;
  while (i < s.length) {
    const end = scanNumber(s, i);
    if (end < 0) return undefined;
    const n = Number(s.slice(i, end));
    let u = end;
    while (u < s.length) {
      const c = s.charCodeAt(u);
      if (c === 46 || isDigit(c)) break;
      u++;
    }
    const scale = DURATION_UNITS.get(s.slice(end, u));
    if (scale === undefined) return undefined;
    total += n * scale;
    i = u;
  }
  return Number.isFinite(total) ? sign * total : undefined;
}

/** Days in each month of a non-leap year. */
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - ZERO);
  }
  return n;
}

/**
 * An RFC 3339 date-time (`2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.123456789+02:00`,
 * lower-case `t`/`z` too) → Unix seconds, with the fraction kept (to the precision of a double).
 */
export function parseTimestamp(s: string): number | undefined {
  if (s.length < 20 || s.length > 40) return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 60 ||
    s[4] !== "-" ||
    s[7] !== "-" ||
    s[13] !== ":" ||
    s[16] !== ":"
  ) {
    return undefined;
  }
  const t = s[10];
  if (t !== "T" && t !== "t") return undefined;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const maxDay = month === 2 && leap ? 29 : DAYS[month - 1]!;
  if (day > maxDay) return undefined;
  let i = 19;
  let fraction = 0;
  if (s[i] === ".") {
    const start = ++i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    if (i === start) return undefined;
    fraction = Number(`0.${s.slice(start, i)}`);
  }
  let offset = 0;
  const z = s[i];
  if (z === "Z" || z === "z") {
    if (i + 1 !== s.length) return undefined;
  } else if (z === "+" || z === "-") {
    if (i + 6 !== s.length || s[i + 3] !== ":") return undefined;
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offset = (z === "+" ? 1 : -1) * (oh * 3600 + om * 60);
  } else return undefined;
  return utcSeconds(year, month, day, hour, minute, second) + fraction - offset;
}

/**
 * Unix seconds of a UTC calendar time. Not Date.UTC: it maps years 0–99 to 1900–1999, so Go's
 * zero time `0001-01-01T00:00:00Z` (common in statuses) would read as 1901.
 */
function utcSeconds(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime() / 1000;
}

const GO_TIME =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,9})? ([+-])(\d{2})(\d{2})(?: [A-Za-z0-9+-]{1,8})?(?: m=[+-]\d+(?:\.\d+)?)?$/;

/**
 * Go's `time.Time.String()` form (`2024-05-01 10:00:00.5 +0200 CEST`, optionally with the
 * monotonic ` m=+0.01`), which controllers write when they format a time with %v → Unix seconds.
 */
export function parseGoTime(s: string): number | undefined {
  if (s.length < 25 || s.length > 64) return undefined;
  const m = GO_TIME.exec(s);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, se, frac, sign, oh, om] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${se}${frac ?? ""}${sign}${oh}:${om}`;
  return parseTimestamp(iso);
}

const ISO_DURATION =
  /^(-)?P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** An ISO 8601 duration of fixed-length units (`PT1H30M`, `P1DT2H`, `PT0.5S`) → seconds. */
export function parseIsoDuration(s: string): number | undefined {
  if (s.length < 3 || s.length > 64) return undefined;
  const m = ISO_DURATION.exec(s);
  if (m === null || s.endsWith("T")) return undefined;
  const [, neg, w, d, h, mi, se] = m;
  if (w === undefined && d === undefined && h === undefined && mi === undefined && se === undefined)
    return undefined;
  const n = (v: string | undefined) => (v === undefined ? 0 : Number(v));
  const total = n(w) * 604800 + n(d) * 86400 + n(h) * 3600 + n(mi) * 60 + n(se);
  return neg ? -total : total;
}

/** A Go duration or an ISO 8601 one → seconds. */
export function parseAnyDuration(s: string): number | undefined {
  return s.charCodeAt(0) === 80 /* P */ || s.startsWith("-P") ? parseIsoDuration(s) : parseDuration(s);
}

/** Does a quantity carry a unit suffix (`250m`, `10Gi`, `1k`), not just a plain number? */
export function hasQuantitySuffix(s: string): boolean {
  const last = s.charCodeAt(s.length - 1);
  return !isDigit(last) && last !== 46 /* . */;
}

/** A full date (`format: date`, `2024-05-01`) → Unix seconds at midnight UTC. */
export function parseDate(s: string): number | undefined {
  if (s.length !== 10 || s[4] !== "-" || s[7] !== "-") return undefined;
  return parseTimestamp(`${s}T00:00:00Z`);
}

/** Does the string look like it starts an RFC 3339 date-time (cheap pre-check, no regex)? */
export function looksLikeTimestamp(s: string): boolean {
  return (
    s.length >= 20 &&
    s.length <= 40 &&
    s[4] === "-" &&
    s[7] === "-" &&
    (s[10] === "T" || s[10] === "t") &&
    isDigit(s.charCodeAt(0))
  );
}

/** The canonical spelling of a condition status, or undefined if it is not one of the three. */
export function conditionStatus(value: unknown): "True" | "False" | "Unknown" | undefined {
  if (typeof value !== "string") return undefined;
  if (value === "True" || value === "False" || value === "Unknown") return value;
  const lower = value.toLowerCase();
  if (lower === "true") return "True";
  if (lower === "false") return "False";
  if (lower === "unknown") return "Unknown";
  return undefined;
}
