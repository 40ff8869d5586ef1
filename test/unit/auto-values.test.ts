import assert from "node:assert/strict";
import { describe, it } from "node:test";
// Not re-exported by the package index in 2.0.x; read from its module directly.
import { quantityToScalar } from "@kubernetes/client-node/dist/util.js";
import fc from "fast-check";
import {
  conditionStatus,
  looksLikeTimestamp,
  parseDate,
  parseDuration,
  parsePercent,
  parseQuantity,
  parseTimestamp,
} from "../../src/mapping/auto/values.ts";

describe("parseQuantity", () => {
  const cases: Array<[string, number]> = [
    ["0", 0],
    ["1", 1],
    ["1.5", 1.5],
    [".5", 0.5],
    ["5.", 5],
    ["+3", 3],
    ["-2", -2],
    ["250m", 0.25],
    ["100n", 1e-7],
    ["10u", 1e-5],
    ["2k", 2000],
    ["1.5k", 1500],
    ["3M", 3e6],
    ["4G", 4e9],
    ["1T", 1e12],
    ["1P", 1e15],
    ["2E", 2e18],
    ["1Ki", 1024],
    ["500Mi", 500 * 2 ** 20],
    ["10Gi", 10 * 2 ** 30],
    ["1.5Gi", 1.5 * 2 ** 30],
    ["1Ti", 2 ** 40],
    ["1Pi", 2 ** 50],
    ["1Ei", 2 ** 60],
    ["1e3", 1000],
    ["1E3", 1000],
    ["1.5e3", 1500],
    ["2e-3", 0.002],
    ["2e+3", 2000],
    ["-1e3", -1000],
  ];
  for (const [text, want] of cases) {
    it(`${text} → ${want}`, () => {
      const got = parseQuantity(text);
      assert.ok(got !== undefined, text);
      assert.ok(Math.abs(got - want) <= Math.abs(want) * 1e-12, `${text}: ${got} != ${want}`);
    });
  }
  for (const bad of [
    "",
    "abc",
    "1.2.3",
    "Gi",
    "1Gb",
    "1 Gi",
    " 5",
    "5 ",
    "0x10",
    "Infinity",
    "NaN",
    "1e",
    "1e+",
    "1ee3",
    "--1",
    "1KI",
    "1mi",
    "1e3.5",
    ".",
    "+",
    "1m5",
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseQuantity(bad), undefined));
  }
  it("differs from @kubernetes/client-node's quantityToScalar where that one is wrong", () => {
    // BigInt for binary/decimal-SI suffixes, exceptions for fractional ones, Infinity accepted.
    assert.equal(typeof quantityToScalar("10Gi"), "bigint");
    assert.throws(() => quantityToScalar("1.5Gi"));
    assert.equal(quantityToScalar("Infinity"), Number.POSITIVE_INFINITY);
    assert.equal(parseQuantity("1.5Gi"), 1.5 * 2 ** 30);
    assert.equal(parseQuantity("Infinity"), undefined);
  });
  it("always returns a finite number or undefined (property)", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const v = parseQuantity(s);
        return v === undefined || Number.isFinite(v);
      }),
    );
  });
  it("reads any integer with any suffix (property)", () => {
    const suffixes = ["", "m", "k", "M", "G", "Ki", "Mi", "Gi", "n", "u"];
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.constantFrom(...suffixes), (n, suffix) => {
        const v = parseQuantity(`${n}${suffix}`);
        return v !== undefined && Number.isFinite(v) && Math.sign(v) === Math.sign(n);
      }),
    );
  });
});

describe("parsePercent", () => {
  it("reads NN% as a ratio", () => {
    assert.equal(parsePercent("50%"), 0.5);
    assert.equal(parsePercent("97.5%"), 0.975);
    assert.equal(parsePercent("0%"), 0);
    assert.equal(parsePercent("100%"), 1);
    assert.equal(parsePercent("-5%"), -0.05);
  });
  it("rejects the rest", () => {
    for (const bad of ["%", "50", "50 %", "a%", "50%%", "1e2%", ""])
      assert.equal(parsePercent(bad), undefined, bad);
  });
});

describe("parseDuration", () => {
  const cases: Array<[string, number]> = [
    ["0", 0],
    ["0s", 0],
    ["1h30m", 5400],
    ["250ms", 0.25],
    ["1.5s", 1.5],
    ["-1.5s", -1.5],
    ["+2m", 120],
    ["1h", 3600],
    ["2160h", 2160 * 3600],
    ["1m12.5s", 72.5],
    ["100us", 1e-4],
    ["100µs", 1e-4],
    ["100μs", 1e-4],
    ["10ns", 1e-8],
    ["1h2m3s4ms", 3723.004],
    [".5h", 1800],
  ];
  for (const [text, want] of cases) {
    it(`${text} → ${want}s`, () => {
      const got = parseDuration(text);
      assert.ok(got !== undefined, text);
      assert.ok(Math.abs(got - want) < 1e-9, `${text}: ${got}`);
    });
  }
  for (const bad of ["", "1", "5d", "1h 30m", "h", "1.2.3s", "s1", "-", "1hh", "1e3s"]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseDuration(bad), undefined));
  }
});

describe("parseTimestamp", () => {
  it("reads RFC 3339 with fractions and zones", () => {
    assert.equal(parseTimestamp("1970-01-01T00:00:00Z"), 0);
    assert.equal(parseTimestamp("2024-05-01T10:00:00Z"), Date.UTC(2024, 4, 1, 10) / 1000);
    assert.equal(parseTimestamp("2024-05-01T10:00:00.5Z"), Date.UTC(2024, 4, 1, 10) / 1000 + 0.5);
    assert.equal(parseTimestamp("2024-05-01t10:00:00z"), Date.UTC(2024, 4, 1, 10) / 1000);
    assert.equal(parseTimestamp("2024-05-01T12:00:00+02:00"), Date.UTC(2024, 4, 1, 10) / 1000);
    assert.equal(parseTimestamp("2024-05-01T05:30:00-04:30"), Date.UTC(2024, 4, 1, 10) / 1000);
    const nanos = parseTimestamp("2024-05-01T10:00:00.123456789Z")!;
    assert.ok(Math.abs(nanos - (Date.UTC(2024, 4, 1, 10) / 1000 + 0.123456789)) < 1e-6);
    assert.equal(parseTimestamp("2024-02-29T00:00:00Z"), Date.UTC(2024, 1, 29) / 1000);
    assert.equal(parseTimestamp("2016-12-31T23:59:60Z"), Date.UTC(2017, 0, 1) / 1000);
  });
  it("rejects what is not RFC 3339", () => {
    for (const bad of [
      "",
      "2024-05-01",
      "2024-05-01T10:00:00",
      "2024-05-01 10:00:00Z",
      "2024-13-01T10:00:00Z",
      "2024-02-30T10:00:00Z",
      "2023-02-29T10:00:00Z",
      "2024-05-01T24:00:00Z",
      "2024-05-01T10:60:00Z",
      "2024-05-01T10:00:00.Z",
      "2024-05-01T10:00:00+0200",
      "2024-05-01T10:00:00+02:00x",
      "yesterday",
      "2024-05-01T10:00:00ZZ",
    ]) {
      assert.equal(parseTimestamp(bad), undefined, bad);
    }
  });
  it("agrees with Date.parse to the millisecond (property)", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(0), max: new Date("2200-01-01T00:00:00Z"), noInvalidDate: true }),
        (d) => {
          const s = d.toISOString();
          return looksLikeTimestamp(s) && Math.abs(parseTimestamp(s)! - d.getTime() / 1000) < 1e-6;
        },
      ),
    );
  });
  it("reads full dates for format: date", () => {
    assert.equal(parseDate("2024-05-01"), Date.UTC(2024, 4, 1) / 1000);
    assert.equal(parseDate("2024-5-1"), undefined);
  });
});

describe("conditionStatus", () => {
  it("canonicalizes True/False/Unknown and rejects the rest", () => {
    assert.equal(conditionStatus("True"), "True");
    assert.equal(conditionStatus("false"), "False");
    assert.equal(conditionStatus("UNKNOWN"), "Unknown");
    assert.equal(conditionStatus("yes"), undefined);
    assert.equal(conditionStatus(true), undefined);
    assert.equal(conditionStatus(undefined), undefined);
  });
});
