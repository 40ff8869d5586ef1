import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createAutoMapper } from "../../src/mapping/auto/index.ts";
import type { KindInfo } from "../../src/mapping/types.ts";
import { parseExposition, valueOf } from "../helpers/exposition.ts";

const kind: KindInfo = {
  group: "queue.example.com",
  version: "v1",
  kind: "MessageQueue",
  plural: "messagequeues",
  namespaced: true,
};

describe("auto mapper (minimal)", () => {
  it("emits cr_info and condition families", () => {
    const km = createAutoMapper().forKind(kind)!;
    const r = km.map(
      {
        metadata: { name: "q", namespace: "ns", uid: "u1" },
        status: {
          conditions: [
            {
              type: "Available",
              status: "False",
              reason: "Down",
              lastTransitionTime: "2024-01-01T00:00:00Z",
            },
          ],
        },
      },
      undefined,
    );
    const text = r.families
      .map((f) => `# HELP ${f.meta.name} ${f.meta.help}\n# TYPE ${f.meta.name} ${f.meta.type}\n${f.text}`)
      .join("");
    const p = parseExposition(text);
    assert.equal(valueOf(p, "cr_info", { uid: "u1", namespace: "ns" }), 1);
    assert.equal(valueOf(p, "cr_status_condition", { type: "Available", status: "False" }), 1);
    assert.equal(valueOf(p, "cr_status_condition", { type: "Available", status: "True" }), 0);
  });
});
