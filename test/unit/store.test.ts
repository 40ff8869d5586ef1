import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { renderScrape } from "../../src/http/scrape.ts";
import type { FamilySamples } from "../../src/mapping/types.ts";
import { MetricStore } from "../../src/store/store.ts";

const gauge = (name: string, text: string, series = text.split("\n").length - 1): FamilySamples => ({
  meta: { name, type: "gauge", help: `help of ${name}` },
  text,
  series,
});

function scrape(store: MetricStore): string {
  return [...renderScrape(store.snapshot(), "text")].join("");
}

describe("MetricStore", () => {
  it("groups every kind's samples of a family under one HELP/TYPE", () => {
    const store = new MetricStore();
    store.kind("a.g").upsert("u1", [gauge("cr_info", 'cr_info{kind="A",name="x"} 1\n')], undefined);
    store.kind("b.g").upsert("u2", [gauge("cr_info", 'cr_info{kind="B",name="y"} 1\n')], undefined);
    store.kind("a.g").upsert("u3", [gauge("cr_other", 'cr_other{kind="A",name="z"} 2\n')], undefined);
    const out = scrape(store);
    assert.equal(out.match(/# TYPE cr_info gauge/g)?.length, 1);
    const lines = out.split("\n");
    const infoAt = lines.indexOf("# TYPE cr_info gauge");
    assert.deepEqual(lines.slice(infoAt + 1, infoAt + 3).sort(), [
      'cr_info{kind="A",name="x"} 1',
      'cr_info{kind="B",name="y"} 1',
    ]);
    assert.ok(lines.indexOf("# TYPE cr_other gauge") > infoAt, "families sorted by name");
  });

  it("replaces an object's families on update and drops families it no longer has", () => {
    const store = new MetricStore();
    const kind = store.kind("a.g");
    kind.upsert("u1", [gauge("f1", "f1 1\n"), gauge("f2", "f2 1\n")], undefined);
    kind.upsert("u1", [gauge("f1", "f1 5\n")], undefined);
    const out = scrape(store);
    assert.match(out, /^f1 5$/m);
    assert.doesNotMatch(out, /f1 1|f2/);
    assert.equal(kind.seriesCount, 1);
  });

  it("deletes every series of a deleted object at once", () => {
    const store = new MetricStore();
    const kind = store.kind("a.g");
    kind.upsert("u1", [gauge("f1", 'f1{n="1"} 1\n'), gauge("f2", 'f2{n="1"} 1\n')], undefined);
    kind.upsert("u2", [gauge("f1", 'f1{n="2"} 1\n')], undefined);
    assert.equal(kind.delete("u1"), true);
    assert.equal(kind.delete("u1"), false);
    const out = scrape(store);
    assert.doesNotMatch(out, /n="1"/);
    assert.doesNotMatch(out, /# TYPE f2/, "a family with no samples left has no header either");
    assert.match(out, /f1\{n="2"\} 1/);
  });

  it("merges a family emitted twice for one object", () => {
    const store = new MetricStore();
    store.kind("a.g").upsert("u1", [gauge("f", 'f{a="1"} 1\n'), gauge("f", 'f{a="2"} 1\n')], undefined);
    const out = scrape(store);
    assert.equal(out.match(/# TYPE f gauge/g)?.length, 1);
    assert.match(out, /f\{a="1"\} 1\nf\{a="2"\} 1\n/);
  });

  it("a snapshot is not changed by later events", () => {
    const store = new MetricStore();
    const kind = store.kind("a.g");
    kind.upsert("u1", [gauge("f", 'f{n="1"} 1\n')], undefined);
    const snapshot = store.snapshot();
    kind.upsert("u2", [gauge("f", 'f{n="2"} 1\n')], undefined);
    kind.upsert("u1", [gauge("f", 'f{n="1"} 9\n')], undefined);
    const out = [...renderScrape(snapshot, "text")].join("");
    assert.equal(out, '# HELP f help of f\n# TYPE f gauge\nf{n="1"} 1\n');
  });

  it("drops a family whose type conflicts with the registered one, and says so", () => {
    const store = new MetricStore();
    store.kind("a.g").upsert("u1", [gauge("x_total", "x_total 1\n")], undefined);
    const outcome = store
      .kind("b.g")
      .upsert(
        "u2",
        [{ meta: { name: "x_total", type: "counter", help: "c" }, text: "x_total 2\n", series: 1 }],
        undefined,
      );
    assert.deepEqual(outcome.dropped, [["type_conflict", 1]]);
    assert.doesNotMatch(scrape(store), /x_total 2/);
  });

  it("enforces the per-kind series limit and keeps the object's previous series", () => {
    const store = new MetricStore();
    const kind = store.kind("a.g", 3);
    assert.deepEqual(kind.upsert("u1", [gauge("f", 'f{n="1"} 1\nf{n="1b"} 1\n')], undefined).dropped, []);
    const over = kind.upsert("u2", [gauge("f", 'f{n="2"} 1\nf{n="2b"} 1\n')], "state2");
    assert.deepEqual(over.dropped, [["series_limit", 2]]);
    assert.equal(kind.seriesCount, 2);
    assert.equal(kind.state("u2"), "state2", "state is kept so counters go on");
    // u1 shrinking frees room: now u2 fits.
    kind.upsert("u1", [gauge("f", 'f{n="1"} 1\n')], undefined);
    assert.deepEqual(kind.upsert("u2", [gauge("f", 'f{n="2"} 1\nf{n="2b"} 1\n')], undefined).dropped, []);
    assert.equal(kind.seriesCount, 3);
  });

  it("keys objects by name: a re-created object (new uid) replaces its predecessor, never joins it", () => {
    const store = new MetricStore();
    const kind = store.kind("a.g");
    const info = (uid: string) => [gauge("cr_info", `cr_info{name="d-0",uid="${uid}"} 1\n`)];
    kind.upsert("ns/d-0", info("old"), "old-state", "old");
    // A relist after a cut-off finds d-0 under a new uid before it could know the old one is gone.
    kind.upsert("ns/d-0", info("new"), undefined, "new");
    assert.equal(scrape(store).match(/^cr_info\{name="d-0"/gm)?.length, 1, "one d-0 in the scrape");
    assert.match(scrape(store), /uid="new"/);
    assert.equal(kind.objectCount, 1);
    assert.equal(kind.seriesCount, 1);
    assert.equal(kind.state("ns/d-0", "new"), undefined, "the old uid's mapper state is not carried over");
    // A late deletion of the old uid leaves its successor alone.
    assert.equal(kind.delete("ns/d-0", "old"), false);
    assert.match(scrape(store), /uid="new"/);
    assert.equal(kind.delete("ns/d-0", "new"), true);
    assert.equal(scrape(store), "");
  });

  it("a new uid under a name whose object waits over the limit does not keep the old series", () => {
    const store = new MetricStore();
    const kind = store.kind("a.g", 2);
    kind.upsert("ns/a", [gauge("f", 'f{n="a"} 1\n')], undefined, "a1");
    kind.upsert("ns/b", [gauge("f", 'f{n="b",uid="b1"} 1\n')], undefined, "b1");
    // b re-created with three series: over the limit, and the old b's series must go.
    const out = kind.upsert("ns/b", [gauge("f", 'f{n="b"} 1\nf{n="b2"} 1\nf{n="b3"} 1\n')], undefined, "b2");
    assert.deepEqual(out.dropped, [["series_limit", 3]]);
    assert.doesNotMatch(scrape(store), /uid="b1"/);
    assert.equal(kind.seriesCount, 1);
    assert.equal(kind.waitingCount, 1);
  });

  it("asks for a relist when room frees up under the limit while objects wait, and admits them then", () => {
    const store = new MetricStore();
    const limit = 4;
    const kind = store.kind("a.g", limit);
    const obj = (i: number) => [gauge("f", `f{n="${i}"} 1\nf{n="${i}",x="2"} 1\n`)];
    let asked = 0;
    kind.onRoom(() => asked++);
    for (let i = 0; i < 5; i++) kind.upsert(`ns/o${i}`, obj(i), undefined);
    assert.equal(kind.seriesCount, 4);
    assert.equal(kind.waitingCount, 3);
    assert.equal(asked, 0);
    kind.delete("ns/o0"); // room for one waiting object
    assert.equal(asked, 1, "the source is asked to deliver the waiting objects again");
    assert.equal(kind.seriesCount, 2, "a waiting object's rendering was not kept");
    // The relist delivers every object again, in list order: the first waiting one fits.
    for (let i = 1; i < 5; i++) kind.upsert(`ns/o${i}`, obj(i), undefined);
    // A fresh store given the same objects holds as many series.
    const fresh = new MetricStore().kind("a.g", limit);
    for (let i = 1; i < 5; i++) fresh.upsert(`ns/o${i}`, obj(i), undefined);
    assert.equal(kind.seriesCount, fresh.seriesCount);
    assert.equal(kind.seriesCount, 4);
    assert.equal(kind.waitingCount, 2);
    // Room of one series fits no waiting object (each wants two): nobody is asked.
    kind.upsert("ns/o1", [gauge("f", 'f{n="1"} 1\n')], undefined);
    assert.equal(asked, 1);
    // Raising the limit makes room too.
    kind.setMaxSeries(10);
    assert.equal(asked, 2);
    // No object waits any more once all fit.
    for (let i = 1; i < 5; i++) kind.upsert(`ns/o${i}`, obj(i), undefined);
    assert.equal(kind.waitingCount, 0);
    kind.delete("ns/o2");
    assert.equal(asked, 2);
  });

  it("does not ask for a relist for room that fits no waiting object, after the smallest was admitted", () => {
    const kind = new MetricStore().kind("a.g", 3);
    const series = (n: number, tag: string) => [
      gauge("f", Array.from({ length: n }, (_, i) => `f{o="${tag}",i="${i}"} 1\n`).join("")),
    ];
    let asked = 0;
    kind.onRoom(() => asked++);
    kind.upsert("ns/big", series(3, "big"), undefined);
    kind.upsert("ns/small", series(1, "small"), undefined); // waits, wants 1
    kind.upsert("ns/other", series(2, "other"), undefined); // waits, wants 2
    kind.upsert("ns/big", series(2, "big"), undefined); // room 1: small fits
    assert.equal(asked, 1);
    kind.upsert("ns/small", series(1, "small"), undefined); // the relist admits it; room 0
    kind.upsert("ns/big", series(1, "big"), undefined); // room 1: only "other" waits, wanting 2
    assert.equal(asked, 1);
    kind.upsert("ns/big", series(0, "big"), undefined); // room 2: now it fits
    assert.equal(asked, 2);
  });

  it("dropKind removes all of a kind's series and its families' headers", () => {
    const store = new MetricStore();
    store
      .kind("a.g")
      .upsert("u1", [gauge("only_a", "only_a 1\n"), gauge("shared", 'shared{k="a"} 1\n')], undefined);
    store.kind("b.g").upsert("u2", [gauge("shared", 'shared{k="b"} 1\n')], undefined);
    store.dropKind("a.g");
    const out = scrape(store);
    assert.doesNotMatch(out, /only_a|k="a"/);
    assert.match(out, /shared\{k="b"\} 1/);
    assert.deepEqual(store.kindKeys(), ["b.g"]);
  });
});

describe("joined segments kept between scrapes", () => {
  const line = (i: number, v: number) => `f{n="${i}",pad="${"x".repeat(30)}"} ${v}\n`;
  const fill = (store: MetricStore, n: number, v = 1) => {
    const kind = store.kind("a.g");
    for (let i = 0; i < n; i++) kind.upsert(`u${i}`, [gauge("f", line(i, v))], undefined);
    return kind;
  };
  const expected = (values: number[]) =>
    `# HELP f help of f\n# TYPE f gauge\n${values.map((v, i) => line(i, v)).join("")}`;

  it("a scrape after a scrape with no change writes the same body, and a change shows in the next", () => {
    const store = new MetricStore();
    const kind = fill(store, 3000);
    const values = new Array(3000).fill(1);
    assert.equal(scrape(store), expected(values));
    assert.equal(scrape(store), expected(values), "from the kept chunks");
    kind.upsert("u1500", [gauge("f", line(1500, 7))], undefined);
    values[1500] = 7;
    assert.equal(scrape(store), expected(values));
    kind.delete("u2999");
    assert.equal(scrape(store), expected(values.slice(0, 2999)));
  });

  it("a change while a scrape is being written: that scrape writes its snapshot, the next one the change", () => {
    const store = new MetricStore();
    const kind = fill(store, 3000);
    const generator = renderScrape(store.snapshot(), "text");
    let out = generator.next().value as string;
    kind.upsert("u0", [gauge("f", line(0, 5))], undefined);
    kind.upsert("u2000", [gauge("f", line(2000, 5))], undefined);
    for (let next = generator.next(); !next.done; next = generator.next()) out += next.value;
    assert.equal(out, expected(new Array(3000).fill(1)));
    const values = new Array(3000).fill(1);
    values[0] = 5;
    values[2000] = 5;
    assert.equal(scrape(store), expected(values));
    assert.equal(scrape(store), expected(values));
  });

  it("a scrape abandoned half-way leaves every stored text intact", () => {
    const store = new MetricStore();
    fill(store, 3000);
    const generator = renderScrape(store.snapshot(), "text");
    generator.next();
    generator.next();
    generator.return(0);
    assert.equal(scrape(store), expected(new Array(3000).fill(1)));
  });

  it("returns the body's UTF-8 size, from joined and from kept chunks", () => {
    const store = new MetricStore();
    const kind = store.kind("a.g");
    for (let i = 0; i < 2000; i++) kind.upsert(`u${i}`, [gauge("f", `f{v="é😀${i}"} 1\n`)], undefined);
    for (const format of ["text", "openmetrics", "text"] as const) {
      const generator = renderScrape(store.snapshot(), format);
      const parts: string[] = [];
      let next = generator.next();
      for (; !next.done; next = generator.next()) parts.push(next.value);
      assert.equal(next.value, Buffer.byteLength(parts.join("")), format);
    }
  });
});

describe("the store against a model (random sequences of changes and scrapes)", () => {
  // What a scrape must write: every key's current text, in the order keys were first stored
  // (a Map's order: an update keeps the place, a delete and re-add moves to the end).
  type Op =
    | { op: "upsert"; key: number; value: number; pad: number }
    | { op: "delete"; key: number }
    | { op: "scrape" }
    | { op: "interrupted scrape"; key: number; value: number }
    | { op: "abandoned scrape" };
  const text = (key: number, value: number, pad: number) =>
    `f{k="${key}",pad="${"x".repeat(pad)}"} ${value}\n`;
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant("upsert" as const),
        key: fc.nat(400),
        value: fc.nat(3),
        pad: fc.integer({ min: 0, max: 600 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), key: fc.nat(400) }) },
    { weight: 1, arbitrary: fc.constant({ op: "scrape" as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("interrupted scrape" as const),
        key: fc.nat(400),
        value: fc.nat(3),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ op: "abandoned scrape" as const }) },
  );

  it("every scrape writes exactly the model's texts, in the model's order", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 400 }), (ops) => {
        const store = new MetricStore();
        const kind = store.kind("a.g");
        const model = new Map<string, string>();
        const expected = () =>
          model.size === 0 ? "" : `# HELP f help of f\n# TYPE f gauge\n${[...model.values()].join("")}`;
        const upsert = (key: number, value: number, pad: number) => {
          const t = text(key, value, pad);
          kind.upsert(`u${key}`, [gauge("f", t)], undefined);
          model.set(`u${key}`, t);
        };
        for (const o of ops) {
          if (o.op === "upsert") upsert(o.key, o.value, o.pad);
          else if (o.op === "delete") {
            kind.delete(`u${o.key}`);
            model.delete(`u${o.key}`);
          } else if (o.op === "scrape") assert.equal(scrape(store), expected());
          else if (o.op === "abandoned scrape") {
            const generator = renderScrape(store.snapshot(), "text");
            generator.next();
            generator.return(0);
          } else {
            // A change lands while a scrape is being written: that scrape writes its snapshot.
            const before = expected();
            const generator = renderScrape(store.snapshot(), "text");
            let out = "";
            let next = generator.next();
            if (!next.done) out += next.value;
            upsert(o.key, o.value, 10);
            for (next = generator.next(); !next.done; next = generator.next()) out += next.value;
            assert.equal(out, before);
          }
        }
        assert.equal(scrape(store), expected());
        assert.equal(scrape(store), expected(), "and again, from what the last scrape kept");
      }),
      { numRuns: 200 },
    );
  });
});

describe("renderScrape", () => {
  it("ends OpenMetrics with # EOF and keeps counters' family name without _total", () => {
    const store = new MetricStore();
    store
      .kind("a.g")
      .upsert(
        "u1",
        [{ meta: { name: "t_total", type: "counter", help: "h" }, text: "t_total 3\n", series: 1 }],
        undefined,
      );
    const out = [...renderScrape(store.snapshot(), "openmetrics")].join("");
    assert.equal(out, "# HELP t h\n# TYPE t counter\nt_total 3\n# EOF\n");
  });

  it("splits a large body into bounded chunks without splitting a line", () => {
    const store = new MetricStore();
    const kind = store.kind("a.g");
    for (let i = 0; i < 5000; i++)
      kind.upsert(`u${i}`, [gauge("f", `f{n="${i}",pad="${"x".repeat(40)}"} ${i}\n`)], undefined);
    const chunks = [...renderScrape(store.snapshot(), "text")];
    assert.ok(chunks.length > 1);
    for (const c of chunks) {
      assert.ok(c.endsWith("\n"));
      assert.ok(c.length < 70 * 1024);
    }
    assert.equal(
      chunks
        .join("")
        .split("\n")
        .filter((l) => l.startsWith("f{")).length,
      5000,
    );
  });

  it("keeps multi-byte text and a text larger than a chunk whole", () => {
    const store = new MetricStore();
    const kind = store.kind("a.g");
    const expected: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const line = `f{n="${i}",v="é😀${"ü".repeat(i % 50)}"} ${i}\n`;
      kind.upsert(`u${i}`, [gauge("f", line)], undefined);
      expected.push(line);
    }
    const big = `g{v="${"ß".repeat(100_000)}"} 1\n`;
    kind.upsert("big", [gauge("g", big)], undefined);
    const chunks = [...renderScrape(store.snapshot(), "text")];
    assert.ok(chunks.length > 2);
    for (const c of chunks) assert.ok(c.endsWith("\n"));
    assert.ok(
      chunks.some((c) => c.endsWith(big)),
      "the big text is not split",
    );
    assert.equal(
      chunks.join(""),
      `# HELP f help of f\n# TYPE f gauge\n${expected.join("")}# HELP g help of g\n# TYPE g gauge\n${big}`,
    );
  });
});
