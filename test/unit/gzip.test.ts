import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { writeBody } from "../../src/http/body.ts";
import { GzipPieces } from "../../src/http/gzip.ts";

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
