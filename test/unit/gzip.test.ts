import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { Writable } from "node:stream";
import { describe, it, mock } from "node:test";
import { crc32, gunzipSync } from "node:zlib";
import { writeBody } from "../../src/http/body.ts";
import { GzipPieces } from "../../src/http/gzip.ts";
import { renderScrape } from "../../src/http/scrape.ts";
import type { FamilySamples } from "../../src/mapping/types.ts";
import { crc32Combine, type DeflatedPiece, deflatePiece } from "../../src/store/deflate.ts";
import { MetricStore } from "../../src/store/store.ts";

function* body(texts: readonly string[]): Generator<string, number> {
  for (const text of texts) yield text;
  return Buffer.byteLength(texts.join(""));
}

async function gzipBody(texts: readonly string[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      parts.push(Buffer.from(chunk));
      callback();
    },
  });
  const finished = new Promise((resolve) => sink.on("finish", resolve));
  await writeBody(body(texts), sink, new GzipPieces());
  await finished;
  return Buffer.concat(parts);
}

describe("gzip from independently compressed pieces", () => {
  const texts: string[] = [];
  for (let i = 0; i < 20_000; i++) texts.push(`m{i="${i}",name="é😀-${i % 97}"} ${i}\n`);
  texts.push(`big{v="${"ß".repeat(150_000)}"} 1\n`); // larger than a piece: compressed alone
  texts.push("tail 1\n");

  it("is one gzip member that zlib decompresses to the body", async () => {
    const compressed = await gzipBody(texts);
    assert.deepEqual([...compressed.subarray(0, 3)], [0x1f, 0x8b, 8]);
    assert.equal(gunzipSync(compressed).toString("utf8"), texts.join(""));
    assert.ok(compressed.length < Buffer.byteLength(texts.join("")) / 5, "and it compresses");
  });

  it("passes gzip(1)'s integrity check (CRC-32 and size) and decompresses there too", async () => {
    const compressed = await gzipBody(texts);
    execFileSync("gzip", ["-t"], { input: compressed }); // throws on a bad CRC, size or block
    assert.equal(
      execFileSync("gzip", ["-dc"], { input: compressed, maxBuffer: 2 ** 26 }).toString("utf8"),
      texts.join(""),
    );
  });

  it("an empty body is a valid empty member", async () => {
    assert.equal(gunzipSync(await gzipBody([])).length, 0);
  });

  it("a wrong CRC is caught by the decoder (so the tests above check it)", async () => {
    const compressed = await gzipBody(["a 1\n"]);
    compressed[compressed.length - 8]! ^= 1;
    assert.throws(() => gunzipSync(compressed));
  });
});

describe("crc32Combine", () => {
  it("gives zlib's CRC-32 of the concatenation, for any split", () => {
    const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff));
    const splits: Array<[number, number]> = [
      [0, 0],
      [0, 5],
      [5, 0],
      [1, 1],
      [3, 1000],
      [65_536, 65_536],
      [12_345, 287_655],
      [299_999, 1],
    ];
    for (const [a, b] of splits) {
      const left = data.subarray(0, a);
      const right = data.subarray(a, a + b);
      assert.equal(crc32Combine(crc32(left), crc32(right), b), crc32(data.subarray(0, a + b)), `${a}+${b}`);
    }
  });

  it("chains over many pieces", () => {
    const data = Buffer.from("a scrape body, cut into uneven pieces\n".repeat(5000));
    let crc = 0;
    for (let at = 0, step = 1; at < data.length; at += step, step = step * 3 + 1) {
      const piece = data.subarray(at, Math.min(data.length, at + step));
      crc = crc32Combine(crc, crc32(piece), piece.length);
    }
    assert.equal(crc, crc32(data));
  });
});

describe("compressing a piece", () => {
  it("takes about an eighth of its input from Buffer's pool, not zlib's 16 KiB output chunk", () => {
    let text = "";
    for (let i = 0; text.length < 64 * 1024; i++)
      text += `cr_status_condition{group="bench.example.com",kind="Queue",namespace="ns-${i % 50}",name="queue-${i}",type="Ready",status="True"} 1\n`;
    const input = Buffer.from(text.slice(0, 64 * 1024));
    // Below half of Buffer.poolSize (64 KiB in Node 24) zlib's output chunks are slices of the
    // shared pool, and each call takes a whole chunk of it: distinct pools = pool bytes used.
    const pools = new Set<ArrayBufferLike>();
    const calls = 32;
    for (let i = 0; i < calls; i++) {
      const piece = deflatePiece(input);
      assert.ok(piece.deflated.byteLength < 8 * 1024, `${piece.deflated.byteLength} bytes`);
      pools.add(piece.deflated.buffer);
    }
    const eighths = Math.ceil((calls * input.length) / 8 / Buffer.poolSize);
    assert.ok(
      pools.size <= eighths + 1,
      `${calls} pieces used ${pools.size} pools of ${Buffer.poolSize} bytes`,
    );
  });
});

describe("gzip scrapes reuse the store's compressed chunks", () => {
  const gauge = (i: number, v: number): FamilySamples => ({
    meta: { name: "f", type: "gauge", help: "h" },
    text: `f{n="${i}",pad="${"x".repeat(60)}"} ${v}\n`,
    series: 1,
  });
  const collect = (store: MetricStore) => {
    const items: Array<string | DeflatedPiece> = [];
    const generator = renderScrape(store.snapshot(), "text", true);
    for (let next = generator.next(); !next.done; next = generator.next()) items.push(next.value);
    return items;
  };
  const assemble = (items: ReadonlyArray<string | DeflatedPiece>) => {
    const gzip = new GzipPieces();
    const parts = [gzip.header()];
    for (const item of items)
      parts.push(typeof item === "string" ? gzip.piece(Buffer.from(item)) : gzip.add(item));
    parts.push(gzip.trailer());
    return gunzipSync(Buffer.concat(parts)).toString("utf8");
  };
  const plain = (store: MetricStore) => [...renderScrape(store.snapshot(), "text")].join("");
  const pieces = (items: ReadonlyArray<string | DeflatedPiece>) =>
    items.filter((item): item is DeflatedPiece => typeof item !== "string");
  /** 5,000 objects of one family, and the compressed pieces of a first gzip scrape. */
  const scrapedOnce = () => {
    const store = new MetricStore();
    const kind = store.kind("a.g");
    for (let i = 0; i < 5000; i++) kind.upsert(`u${i}`, [gauge(i, 1)], undefined);
    const first = collect(store);
    assert.ok(pieces(first).length > 3, `the family is kept as ${pieces(first).length} compressed chunks`);
    return { store, kind, first, kept: pieces(first) };
  };

  it("returns the body's UTF-8 size when it compresses, as when it does not", () => {
    const store = new MetricStore();
    const kind = store.kind("a.g");
    for (let i = 0; i < 3000; i++) kind.upsert(`u${i}`, [gauge(i, 1)], undefined);
    kind.upsert(
      "mb",
      [
        {
          meta: { name: "g", type: "gauge", help: "h" },
          text: `g{v="${"é😀".repeat(3000)}"} 1\n`,
          series: 1,
        },
      ],
      undefined,
    );
    const sizes: number[] = [];
    for (let round = 0; round < 2; round++) {
      // Round 0 joins and compresses the segments now; round 1 writes what round 0 kept.
      const generator = renderScrape(store.snapshot(), "text", true);
      let next = generator.next();
      while (!next.done) next = generator.next();
      sizes.push(next.value);
    }
    const expected = Buffer.byteLength(plain(store));
    assert.deepEqual(sizes, [expected, expected]);
  });

  it("a text longer than a chunk, and multi-byte text, compress to the same body", () => {
    const store = new MetricStore();
    const kind = store.kind("a.g");
    for (let i = 0; i < 3000; i++) kind.upsert(`u${i}`, [gauge(i, 1)], undefined);
    const big = `g{v="${"é😀".repeat(60_000)}"} 1\n`;
    kind.upsert("big", [{ meta: { name: "g", type: "gauge", help: "h" }, text: big, series: 1 }], undefined);
    for (let round = 0; round < 2; round++) {
      const items = collect(store);
      assert.ok(items.some((item) => typeof item !== "string" && item.bytes === Buffer.byteLength(big)));
      assert.equal(assemble(items), plain(store), `round ${round}`);
    }
  });

  it("a kept piece holds only its own bytes, not the chunk zlib wrote it into", () => {
    const { store, kept } = scrapedOnce();
    for (const piece of kept) {
      // Repetitive text: each 64k-character chunk compresses to a few KiB.
      assert.ok(piece.deflated.byteLength < 16 * 1024, `${piece.deflated.byteLength} bytes`);
      assert.equal(piece.deflated.buffer.byteLength, piece.deflated.byteLength);
    }
    assert.equal(assemble(collect(store)), plain(store));
  });

  it("chunks joined as objects arrive are compressed then, so the first gzip scrape compresses only the rest", () => {
    // deflate.ts imports zlib's deflateRawSync; syncBuiltinESMExports makes the mock its binding.
    const zlib = createRequire(import.meta.url)("node:zlib") as typeof import("node:zlib");
    const deflate = mock.method(zlib, "deflateRawSync");
    syncBuiltinESMExports();
    try {
      const store = new MetricStore();
      const kind = store.kind("a.g");
      for (let i = 0; i < 5000; i++) kind.upsert(`u${i}`, [gauge(i, 1)], undefined);
      const whileStoring = deflate.mock.callCount();
      const first = collect(store);
      const inScrape = deflate.mock.callCount() - whileStoring;
      const kept = pieces(first).length;
      assert.ok(kept > 3, `${kept} compressed chunks`);
      assert.ok(whileStoring >= kept - 1, `${whileStoring} chunks compressed while storing, of ${kept}`);
      assert.ok(
        inScrape <= 1,
        `the first gzip scrape compressed ${inScrape} chunks (at most the last, partial one)`,
      );
      assert.equal(assemble(first), plain(store));
    } finally {
      deflate.mock.restore();
      syncBuiltinESMExports();
    }
  });

  it("objects added after a scrape, or stored again unchanged, keep the compressed pieces already made", () => {
    const { store, kind, kept } = scrapedOnce();

    kind.upsert("u10", [gauge(10, 1)], undefined); // the same text again
    for (let i = 5000; i < 5050; i++) kind.upsert(`u${i}`, [gauge(i, 2)], undefined); // new objects
    const next = collect(store);
    assert.equal(assemble(next), plain(store));
    assert.match(plain(store), /f\{n="5049",pad="x+"\} 2\n/);
    const nextPieces = pieces(next);
    assert.deepEqual(
      kept.map((p, i) => p === nextPieces[i]),
      kept.map(() => true),
      "the earlier chunks were not joined or compressed again",
    );
  });

  it("the second gzip scrape writes the same pieces; a change compresses its segment again, once", () => {
    const { store, kind, first, kept } = scrapedOnce();
    assert.equal(assemble(first), plain(store));

    const second = pieces(collect(store));
    assert.deepEqual(
      second.map((p, i) => p === kept[i]),
      kept.map(() => true),
      "the same objects: nothing compressed again",
    );

    kind.upsert("u2500", [gauge(2500, 7)], undefined);
    const third = collect(store);
    const thirdPieces = pieces(third);
    assert.equal(assemble(third), plain(store));
    assert.match(plain(store), /f\{n="2500",pad="x+"\} 7\n/);
    const reused = thirdPieces.filter((p) => kept.includes(p)).length;
    assert.equal(reused, 0, "the segment changed, so its chunks are joined and compressed again");
    const fourth = pieces(collect(store));
    assert.ok(
      fourth.every((p, i) => p === thirdPieces[i]),
      "and kept again",
    );
  });
});
