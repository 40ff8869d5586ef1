import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeFreshness } from "../../src/kube/list-watch.ts";

describe("describeFreshness (/readyz?verbose and the status page)", () => {
  const now = 1_000_000;
  it("says how old the data is, or that it is stale", () => {
    assert.equal(
      describeFreshness([{ freshAt: now - 3000, staleAfterMs: 60_000, lastError: undefined }], now),
      "data age 3s",
    );
    assert.equal(
      describeFreshness([{ freshAt: now - 90_000, staleAfterMs: 60_000, lastError: undefined }], now),
      "stale, no list/watch data for 90s (stale after 60s)",
    );
  });

  it("names the latest error of any of the kind's loops, with its age", () => {
    const loops = [
      { freshAt: now - 1000, staleAfterMs: 60_000, lastError: { at: now - 50_000, message: "older" } },
      { freshAt: now - 2000, staleAfterMs: 60_000, lastError: { at: now - 7000, message: "forbidden: 403" } },
    ];
    assert.equal(describeFreshness(loops, now), "data age 2s; last error 7s ago: forbidden: 403");
  });
});
