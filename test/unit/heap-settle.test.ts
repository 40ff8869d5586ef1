// src/heap-settle.ts: once the source is ready, V8's memory reducer runs and gives back the heap
// the start-up grew, or, for a large heap, one full GC before ready is first answered. In a child process, so its flags and heap are its own: it grows the heap the
// way an initial sync does (a burst of garbage around what stays), then settles it.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";

const MODULE = new URL("../../src/heap-settle.ts", import.meta.url).pathname;

function runChild(script: string): Record<string, unknown> {
  const out = execFileSync(
    process.execPath,
    ["--max-semi-space-size=1", "--input-type=module", "-e", script],
    {
      encoding: "utf8",
      timeout: 120_000,
    },
  );
  return JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, unknown>;
}

describe("heap settling", () => {
  it("runs V8's memory reducer once ready: the committed heap shrinks to near what is live", () => {
    const result = runChild(`
      import { settleHeapWhenReady } from ${JSON.stringify(MODULE)};
      const kept = [];
      // ~150 MiB allocated, ~15 MiB of it kept: the heap grows past what stays live.
      for (let i = 0; i < 150; i++) {
        const page = Array.from({ length: 16384 }, (_, j) => ({ i, j, s: "x" + j }));
        if (i % 10 === 0) kept.push(page);
      }
      let ready = false;
      setTimeout(() => { ready = true; }, 200);
      const live = () => process.memoryUsage().heapUsed;
      settleHeapWhenReady(() => ready, (r) => {
        console.log(JSON.stringify({ ...r, heapUsed: live(), kept: kept.length }));
        process.exit(0);
      }, { pollMs: 50 });
      // Its timers do not keep a process alive; this one does, until the result (or a minute).
      setTimeout(() => console.log(JSON.stringify({ settled: false })), 60_000);
    `);
    assert.equal(result.kept, 15);
    assert.equal(result.fullGc, false, JSON.stringify(result));
    assert.equal(result.timedOut, false, `the reducer did not run: ${JSON.stringify(result)}`);
    assert.ok((result.majorGcs as number) >= 2, JSON.stringify(result));
    const before = result.committedBefore as number;
    const after = result.committedAfter as number;
    const used = result.heapUsed as number;
    assert.ok(after < before, `committed heap did not shrink: ${JSON.stringify(result)}`);
    // Settled: the slack over what is live is small, not the start-up's.
    assert.ok(after - used < (before - used) / 2, JSON.stringify(result));
  });

  it("gives a heap larger than the bound one full GC, before ready() first answers true", () => {
    const result = runChild(`
      import { runInNewContext } from "node:vm";
      import { settleHeapWhenReady } from ${JSON.stringify(MODULE)};
      const kept = [];
      for (let i = 0; i < 150; i++) {
        const page = Array.from({ length: 16384 }, (_, j) => ({ i, j, s: "x" + j }));
        if (i % 10 === 0) kept.push(page);
      }
      let settled;
      const settling = settleHeapWhenReady(() => true, (r) => { settled = r; }, {
        pollMs: 60_000,
        maxCommittedBytes: 1024,
      });
      const answer = settling.ready();
      const settledBeforeAnswer = settled !== undefined;
      console.log(JSON.stringify({
        ...settled,
        answer,
        settledBeforeAnswer,
        gcLeftExposed: runInNewContext("typeof gc") !== "undefined",
        kept: kept.length,
      }));
      settling.stop();
    `);
    assert.equal(result.kept, 15);
    assert.equal(result.answer, true);
    assert.equal(result.settledBeforeAnswer, true, "the GC ran inside ready()");
    assert.equal(result.fullGc, true, JSON.stringify(result));
    assert.equal(result.majorGcs, 1);
    assert.ok(
      (result.committedAfter as number) < (result.committedBefore as number),
      `the full GC gave nothing back: ${JSON.stringify(result)}`,
    );
    assert.equal(result.gcLeftExposed, false, "--expose-gc is turned off again");
  });

  it("does nothing until the source is ready, and stop() ends it", () => {
    const result = runChild(`
      import { settleHeapWhenReady } from ${JSON.stringify(MODULE)};
      let calls = 0;
      let settled = false;
      const settling = settleHeapWhenReady(() => { calls++; return false; }, () => { settled = true; }, { pollMs: 10 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      settling.stop();
      const callsAtStop = calls;
      await new Promise((resolve) => setTimeout(resolve, 100));
      console.log(JSON.stringify({ settled, asked: callsAtStop > 0, askedAfterStop: calls - callsAtStop }));
    `);
    assert.deepEqual(result, { settled: false, asked: true, askedAfterStop: 0 });
  });
});
