import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createGzip, gunzipSync } from "node:zlib";
import { writeBody } from "../../src/http/body.ts";

/** A sink that takes a write only after a timer, holding what it was given (as a slow client). */
function slowSink(delayMs: number) {
  const received: Buffer[] = [];
  let maxInFlight = 0;
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      // Queued and in progress: what the writer has handed over and the sink not yet taken.
      maxInFlight = Math.max(maxInFlight, this.writableLength);
      setTimeout(() => {
        received.push(Buffer.from(chunk)); // a copy: the writer may reuse its Buffer afterwards
        callback();
      }, delayMs);
    },
  });
  return { sink, received, maxInFlight: () => maxInFlight };
}

function* body(texts: readonly string[]): Generator<string, number> {
  for (const text of texts) yield text;
  return Buffer.byteLength(texts.join(""));
}

describe("writeBody", () => {
  it("writes every text whole through reused Buffers, however the texts fall on their boundaries", async () => {
    const texts: string[] = [];
    for (let i = 0; i < 400; i++) texts.push(`m{v="${"é😀ß".repeat(i % 97)}${"x".repeat(i * 37)}"} ${i}\n`);
    texts.push(`big{v="${"ü".repeat(200_000)}"} 1\n`); // larger than one Buffer
    for (let i = 0; i < 50; i++) texts.push(`tail{i="${i}"} 1\n`);
    const { sink, received } = slowSink(1);
    const finished = new Promise((resolve) => sink.on("finish", resolve));
    const size = await writeBody(body(texts), sink);
    await finished;
    const out = Buffer.concat(received);
    assert.equal(out.toString("utf8"), texts.join(""));
    assert.equal(size, out.length);
  });

  it("never hands a Buffer the sink still holds to the next scrape", async () => {
    const bodyOf = (tag: string) => Array.from({ length: 3000 }, (_, i) => `m{s="${tag}",i="${i}"} ${i}\n`);
    const runs = ["a", "b", "c", "d"].map((tag, i) => ({ tag, texts: bodyOf(tag), ...slowSink(1 + i) }));
    const finished = runs.map((r) => new Promise((resolve) => r.sink.on("finish", resolve)));
    // One after the other, each starting when the previous one has handed everything over
    // (its last Buffers still queued in its slow sink), and two at once.
    await writeBody(body(runs[0]!.texts), runs[0]!.sink);
    await writeBody(body(runs[1]!.texts), runs[1]!.sink);
    await Promise.all([
      writeBody(body(runs[2]!.texts), runs[2]!.sink),
      writeBody(body(runs[3]!.texts), runs[3]!.sink),
    ]);
    await Promise.all(finished);
    for (const r of runs) assert.equal(Buffer.concat(r.received).toString("utf8"), r.texts.join(""), r.tag);
  });

  it("holds a bounded amount for a slow client, not the body", async () => {
    const texts = Array.from({ length: 3000 }, (_, i) => `m{i="${i}",pad="${"x".repeat(2000)}"} 1\n`);
    const { sink, received, maxInFlight } = slowSink(2);
    const finished = new Promise((resolve) => sink.on("finish", resolve));
    await writeBody(body(texts), sink);
    await finished;
    const total = Buffer.concat(received).length;
    assert.ok(total > 4 * 2 ** 20, `a body of ${total} bytes`);
    assert.ok(maxInFlight() <= 2 ** 20, `at most 1 MiB in flight, saw ${maxInFlight()}`);
  });

  it("stops reading the body when the sink is destroyed, and reports no size", async () => {
    let pulled = 0;
    function* endless(): Generator<string, number> {
      for (;;) {
        pulled++;
        yield `m{pad="${"x".repeat(1000)}"} 1\n`;
      }
    }
    const { sink } = slowSink(1);
    sink.on("error", () => {});
    setTimeout(() => sink.destroy(), 20);
    assert.equal(await writeBody(endless(), sink), undefined);
    const seen = pulled;
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(pulled, seen, "nothing more is pulled after the sink went away");
  });

  it("feeds a gzip stream that decompresses to the body", async () => {
    const texts = Array.from({ length: 5000 }, (_, i) => `m{i="${i}",name="é${i}"} ${i}\n`);
    const gzip = createGzip({ level: 1 });
    const parts: Buffer[] = [];
    gzip.on("data", (d: Buffer) => parts.push(d));
    const ended = new Promise((resolve) => gzip.on("end", resolve));
    await writeBody(body(texts), gzip);
    await ended;
    assert.equal(gunzipSync(Buffer.concat(parts)).toString("utf8"), texts.join(""));
  });
});
