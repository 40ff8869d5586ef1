// Value parsing as kube-state-metrics' toFloat64 does it, and label values as Go's %v writes
// them. Expected values follow ksm's documented order (booleans, RFC 3339, quantity, percent,
// ParseFloat) and apimachinery's quantity rules; JavaScript's Date is the oracle for times.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { goPow10, parseKsmQuantity } from "../../src/mapping/ksm/quantity.ts";
import { goFormat, ksmToFloat, parseGoFloat, parseRfc3339Seconds } from "../../src/mapping/ksm/values.ts";

const value = (v: unknown, nilIsZero = false) => {
  const r = ksmToFloat(v, nilIsZero);
  return r.ok ? r.value : `error: ${r.error}`;
};
const seconds = (iso: string) => Date.parse(iso) / 1000;

describe("ksmToFloat: JSON values", () => {
  it("takes numbers as they are and booleans as 1/0", () => {
    assert.equal(value(3), 3);
    assert.equal(value(43.21), 43.21);
    assert.equal(value(-7), -7);
    assert.equal(value(true), 1);
    assert.equal(value(false), 0);
  });

  it("rejects null unless nilIsZero, and always rejects objects and lists", () => {
    assert.match(String(value(null)), /^error: expected number but found nil value/);
    assert.equal(value(null, true), 0);
    assert.match(String(value({ a: 1 })), /^error: expected number but was map\[a:1\]/);
    assert.match(String(value([1, 2])), /^error: expected number but was \[1 2\]/);
  });
});

describe("ksmToFloat: strings, in ksm's order", () => {
  it("reads condition words in any case first", () => {
    for (const s of ["true", "True", "TRUE", "yes", "Yes"]) assert.equal(value(s), 1, s);
    for (const s of ["false", "False", "no", "NO", "unknown", "Unknown"]) assert.equal(value(s), 0, s);
  });

  it("reads RFC 3339 times as whole Unix seconds", () => {
    assert.equal(value("2022-06-28T00:00:00Z"), 1656374400);
    assert.equal(value("2024-05-01T12:00:00+02:00"), seconds("2024-05-01T10:00:00Z"));
    // The fraction is dropped (Go's Unix() floors), also before 1970.
    assert.equal(value("2024-05-01T10:00:00.999Z"), seconds("2024-05-01T10:00:00Z"));
    assert.equal(value("1969-12-31T23:59:59.5Z"), -1);
  });

  it("reads Kubernetes quantities before percentages and floats", () => {
    assert.equal(value("250m"), 0.25);
    assert.equal(value("5Gi"), 5 * 2 ** 30);
    assert.equal(value("1.5Gi"), 1.5 * 2 ** 30);
    assert.equal(value("512Mi"), 512 * 2 ** 20);
    assert.equal(value("2k"), 2000);
    assert.equal(value("1e3"), 1000);
    assert.equal(value("12"), 12);
    assert.equal(value("-0.5"), -0.5);
    // "1m" is one milli-unit, not a minute: quantities come before anything else.
    assert.equal(value("1m"), 0.001);
  });

  it("reads <digits>% as a ratio, and nothing else as a percentage", () => {
    assert.equal(value("50%"), 0.5);
    assert.equal(value("0%"), 0);
    assert.equal(value("100%"), 1);
    // ksm's percent grammar is [0-9]+%: a fraction or a sign is an error.
    assert.match(String(value("12.5%")), /^error/);
    assert.match(String(value("-5%")), /^error/);
  });

  it("falls back to Go's ParseFloat: infinities, NaN, hex floats, digit separators", () => {
    assert.equal(value("inf"), Number.POSITIVE_INFINITY);
    assert.equal(value("-Infinity"), Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(value("NaN") as number));
    assert.equal(value("0x1p4"), 16);
    assert.equal(value("1_000"), 1000);
  });

  it("rejects what none of them reads", () => {
    for (const s of ["abc", "1h30m", "", " 5", "2024-05-01t10:00:00z", "1.2.3", "0x10", "5e"]) {
      assert.match(String(value(s)), /^error/, JSON.stringify(s));
    }
  });
});

describe("parseRfc3339Seconds (Go's time.Parse with time.RFC3339)", () => {
  it("validates calendar and clock ranges", () => {
    assert.equal(parseRfc3339Seconds("2024-02-29T00:00:00Z"), seconds("2024-02-29T00:00:00Z"));
    assert.equal(parseRfc3339Seconds("2023-02-29T00:00:00Z"), undefined);
    assert.equal(parseRfc3339Seconds("2024-01-01T24:00:00Z"), undefined);
    assert.equal(parseRfc3339Seconds("2024-01-01T00:00:60Z"), undefined);
    assert.equal(parseRfc3339Seconds("2024-13-01T00:00:00Z"), undefined);
  });

  it("needs upper-case T and Z and an hh:mm offset", () => {
    assert.equal(parseRfc3339Seconds("2024-01-01t00:00:00Z"), undefined);
    assert.equal(parseRfc3339Seconds("2024-01-01T00:00:00z"), undefined);
    assert.equal(parseRfc3339Seconds("2024-01-01T00:00:00+0100"), undefined);
    assert.equal(parseRfc3339Seconds("2024-01-01T01:00:00+01:00"), seconds("2024-01-01T00:00:00Z"));
    assert.equal(parseRfc3339Seconds("2024-01-01T00:00:00,5Z"), seconds("2024-01-01T00:00:00Z"));
  });

  it("handles years JavaScript's Date.UTC would map to 19xx", () => {
    assert.equal(parseRfc3339Seconds("0001-01-01T00:00:00Z"), -62135596800);
  });
});

describe("parseKsmQuantity (apimachinery ParseQuantity + AsApproximateFloat64)", () => {
  it("keeps values to the nanounit, rounding up", () => {
    assert.equal(parseKsmQuantity("1n"), 1e-9);
    assert.equal(parseKsmQuantity("0.0000000001"), 1e-9);
    assert.equal(parseKsmQuantity("1.5n"), 2e-9);
    assert.equal(parseKsmQuantity("-1.5n"), -2e-9);
  });

  it("caps binary quantities at 2^63-1 and leaves decimal ones alone", () => {
    assert.equal(parseKsmQuantity("10Ei"), 2 ** 63);
    assert.equal(parseKsmQuantity("100E"), 1e20);
  });

  it("computes unscaled * 10^exponent as Go does", () => {
    // 4321 * Pow10(-2), not the literal 43.21 parsed directly (equal here, by rounding).
    assert.equal(parseKsmQuantity("43.21"), 4321 * 0.01);
    assert.equal(parseKsmQuantity("0.1"), 0.1);
    assert.equal(parseKsmQuantity("1e400"), Number.POSITIVE_INFINITY);
  });

  it("rejects what is not a quantity", () => {
    for (const s of ["", "1ki", "1KiB", "abc", "1e", "1.5.5", "--1", "1 Gi"]) {
      assert.equal(parseKsmQuantity(s), undefined, JSON.stringify(s));
    }
  });

  it("survives exponents that would make ksm spin", () => {
    assert.equal(parseKsmQuantity("1e-2147483648"), 1e-9);
    assert.equal(parseKsmQuantity("1e2147483647"), Number.POSITIVE_INFINITY);
  });

  it("goPow10 matches the powers of ten Go tabulates", () => {
    assert.equal(goPow10(0), 1);
    assert.equal(goPow10(-9), 1e-9);
    assert.equal(goPow10(22), 1e22);
    assert.equal(goPow10(400), Number.POSITIVE_INFINITY);
    assert.equal(goPow10(-400), 0);
  });
});

describe("parseGoFloat", () => {
  it("accepts Go's spellings and reports overflow", () => {
    assert.equal(parseGoFloat("1.5e3"), 1500);
    assert.equal(parseGoFloat("+Inf"), Number.POSITIVE_INFINITY);
    assert.equal(parseGoFloat("0x1.8p1"), 3);
    assert.equal(parseGoFloat("1e400"), "range");
    assert.equal(parseGoFloat("+NaN"), undefined);
    assert.equal(parseGoFloat("1__0"), undefined);
    assert.equal(parseGoFloat("_1"), undefined);
  });
});

describe("goFormat (label values, Go's %v)", () => {
  it("writes integers as integers and other numbers as Go's shortest %v", () => {
    assert.equal(goFormat(3), "3");
    assert.equal(goFormat(1048576), "1048576");
    assert.equal(goFormat(43.21), "43.21");
    assert.equal(goFormat(123456.5), "123456.5");
    assert.equal(goFormat(1234567.5), "1.2345675e+06");
    assert.equal(goFormat(0.0001), "0.0001");
    assert.equal(goFormat(0.00001), "1e-05");
    assert.equal(goFormat(-0.25), "-0.25");
  });

  it("writes booleans, null, maps (sorted) and lists the Go way", () => {
    assert.equal(goFormat(true), "true");
    assert.equal(goFormat(null), "<nil>");
    assert.equal(goFormat({ role: "primary", lag: 0 }), "map[lag:0 role:primary]");
    assert.equal(goFormat(["a", 1, null]), "[a 1 <nil>]");
    assert.equal(goFormat({ a: { b: [true] } }), "map[a:map[b:[true]]]");
  });
});
