// Kubernetes resource quantities as kube-state-metrics reads them: apimachinery's
// resource.ParseQuantity followed by Quantity.AsApproximateFloat64.
//
// The auto mapper has its own quantity parser (plain float arithmetic); this one follows the
// apimachinery algorithm step by step, because ksm's numbers depend on its details: a value is
// kept as an integer times a power of ten, anything finer than 1n is rounded *up* to the next
// nanounit ("0.0000000001" is 1e-9), binary quantities above 2^63-1 are capped, and the float
// is `unscaled * Pow10(exponent)` with Go's Pow10, so the last bit matches too.

const MAX_INT64 = (1n << 63n) - 1n;
/** Decimal digits an int64 always holds (apimachinery's maxInt64Factors). */
const INT64_DIGITS = 18;
/** Quantities are kept to the nanounit: scale -9. */
const NANO = -9;

type Format = "DecimalSI" | "BinarySI" | "DecimalExponent";

interface Suffix {
  readonly base: 2 | 10;
  readonly exponent: number;
  readonly format: Format;
}

const SUFFIXES = new Map<string, Suffix>([
  ["", { base: 10, exponent: 0, format: "DecimalSI" }],
  ["n", { base: 10, exponent: -9, format: "DecimalSI" }],
  ["u", { base: 10, exponent: -6, format: "DecimalSI" }],
  ["m", { base: 10, exponent: -3, format: "DecimalSI" }],
  ["k", { base: 10, exponent: 3, format: "DecimalSI" }],
  ["M", { base: 10, exponent: 6, format: "DecimalSI" }],
  ["G", { base: 10, exponent: 9, format: "DecimalSI" }],
  ["T", { base: 10, exponent: 12, format: "DecimalSI" }],
  ["P", { base: 10, exponent: 15, format: "DecimalSI" }],
  ["E", { base: 10, exponent: 18, format: "DecimalSI" }],
  ["Ki", { base: 2, exponent: 10, format: "BinarySI" }],
  ["Mi", { base: 2, exponent: 20, format: "BinarySI" }],
  ["Gi", { base: 2, exponent: 30, format: "BinarySI" }],
  ["Ti", { base: 2, exponent: 40, format: "BinarySI" }],
  ["Pi", { base: 2, exponent: 50, format: "BinarySI" }],
  ["Ei", { base: 2, exponent: 60, format: "BinarySI" }],
]);

const SIGNED_INT = /^[+-]?[0-9]+$/;

function interpretSuffix(suffix: string): Suffix | undefined {
  const known = SUFFIXES.get(suffix);
  if (known) return known;
  // `e<int>` / `E<int>`: a decimal exponent, parsed as an int64 and then truncated to int32.
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E")) {
    const digits = suffix.slice(1);
    if (!SIGNED_INT.test(digits)) return undefined;
    const parsed = BigInt(digits);
    if (parsed > MAX_INT64 || parsed < -MAX_INT64 - 1n) return undefined;
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: "DecimalExponent" };
  }
  return undefined;
}

interface QuantityParts {
  readonly positive: boolean;
  /** The number as written, sign included, suffix excluded (what the slow path parses). */
  readonly value: string;
  /** Integer digits without leading zeros ("0" when there are none). */
  readonly num: string;
  /** Fraction digits. */
  readonly denom: string;
  readonly suffix: string;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const SUFFIX_CHARS = "eEinumkKMGTP";

/** The lexer of apimachinery's parseQuantityString, including its leniencies ("1.G", "-", "m"). */
function splitQuantity(str: string): QuantityParts | undefined {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === "-") {
    positive = false;
    pos++;
  } else if (str[0] === "+") pos++;
  while (pos < end && str[pos] === "0") pos++;
  if (pos >= end) return { positive, value: "0", num: "0", denom: "", suffix: "" };
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  if (i >= end) return { positive, value: str, num: str.slice(pos), denom: "", suffix: "" };
  const num = str.slice(pos, i) || "0";
  pos = i;
  let denom = "";
  if (str[pos] === ".") {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, value: str, num, denom, suffix: "" };
    pos = i;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos]!)) pos++;
  if (pos >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
  if (str[pos] === "-" || str[pos] === "+") pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) return undefined;
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

// Go's math.Pow10, built from the same exactly-rounded constants and the same operations.
const POW10 = Array.from({ length: 32 }, (_, i) => Number(`1e${i}`));
const POW10_POS32 = [1, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288];
const POW10_NEG32 = [1, 1e-32, 1e-64, 1e-96, 1e-128, 1e-160, 1e-192, 1e-224, 1e-256, 1e-288, 1e-320];

export function goPow10(n: number): number {
  if (n >= 0 && n <= 308) return POW10_POS32[Math.trunc(n / 32)]! * POW10[n % 32]!;
  if (n < 0 && n >= -323) return POW10_NEG32[Math.trunc(-n / 32)]! / POW10[-n % 32]!;
  return n > 0 ? Number.POSITIVE_INFINITY : 0;
}

function approximate(unscaled: bigint, exponent: number): number {
  const base = Number(unscaled); // nearest double, ties to even, as big.Float.Float64
  return exponent === 0 ? base : base * goPow10(exponent);
}

/** `"250m"` → 0.25, `"5Gi"` → 5368709120, `"1e3"` → 1000; undefined when not a quantity. */
export function parseKsmQuantity(str: string): number | undefined {
  if (str.length === 0) return undefined;
  if (str === "0") return 0;
  const parts = splitQuantity(str);
  if (!parts) return undefined;
  const suffix = interpretSuffix(parts.suffix);
  if (!suffix) return undefined;
  const { positive, num, denom } = parts;

  // Fast path: the value fits an int64 times a power of ten no finer than 1n.
  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (suffix.format === "BinarySI") {
    if (suffix.exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(suffix.exponent);
      precision = 15 - num.length - Math.trunc((suffix.exponent * 3) / 10) - 1;
    } else precision = -1;
  } else {
    scale = suffix.exponent;
    precision = INT64_DIGITS - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= NANO) {
      const product = BigInt(num + denom) * mantissa;
      if (product <= MAX_INT64) return approximate(positive ? product : -product, scale);
    }
  }

  // Slow path: an arbitrary-precision decimal, rounded up to the nanounit.
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(parts.value);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return undefined;
  const fraction = m[3] ?? "";
  let unscaled = BigInt(`${m[2]}${fraction}` || "0");
  let decScale = fraction.length; // value = unscaled * 10^-decScale
  if (suffix.base === 10) decScale -= suffix.exponent;
  else unscaled *= 1n << BigInt(suffix.exponent);
  const negative = m[1] === "-";
  if (unscaled !== 0n) {
    const target = -NANO;
    // Exponents like e2147483647 would make these powers of ten astronomically large (ksm
    // itself spins on them). Far below the nanounit the value rounds up to exactly 1n; far
    // above any float it is infinite (or capped, for binary quantities).
    const digits = unscaled.toString().length;
    if (decScale - target > digits) return negative ? -1e-9 : 1e-9;
    if (target - decScale > 400) {
      if (suffix.format === "BinarySI") return approximate(negative ? -MAX_INT64 : MAX_INT64, 0);
      return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    }
    if (decScale > target) {
      const divisor = 10n ** BigInt(decScale - target);
      const rounded = unscaled / divisor;
      unscaled = unscaled % divisor === 0n ? rounded : rounded + 1n;
    } else unscaled *= 10n ** BigInt(target - decScale);
    decScale = target;
  }
  if (suffix.format === "BinarySI" && unscaled > MAX_INT64 * 10n ** BigInt(decScale)) {
    unscaled = MAX_INT64;
    decScale = 0;
  }
  return approximate(negative ? -unscaled : unscaled, -decScale);
}
