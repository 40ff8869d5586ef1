import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { negotiateFormat } from "../../src/http/scrape.ts";
import {
  type Crd,
  compareVersionPriority,
  configVersion,
  globToRegExp,
  isSelected,
  kindInfoFromCrd,
  notEstablished,
  plannedVersions,
  preferredServedVersion,
  resourcePath,
  selectAll,
  unmatchedReason,
} from "../../src/kube/crds.ts";
import { fnv1a64, jumpHash, ownsUid } from "../../src/kube/shard.ts";
import { readingName, readingsOf } from "../../src/kube/source.ts";
import type { Mapper } from "../../src/mapping/types.ts";

describe("CRD version priority", () => {
  it("orders versions as Kubernetes discovery does", () => {
    const versions = [
      "v1alpha1",
      "foo",
      "v2beta1",
      "v1",
      "v11alpha2",
      "v2",
      "v1beta2",
      "v1beta1",
      "bar",
      "v10",
      "v12alpha1",
    ];
    assert.deepEqual([...versions].sort(compareVersionPriority), [
      "v10",
      "v2",
      "v1",
      "v2beta1",
      "v1beta2",
      "v1beta1",
      "v12alpha1",
      "v11alpha2",
      "v1alpha1",
      "bar",
      "foo",
    ]);
  });

  it("prefers the highest served version, ignoring unserved ones", () => {
    const crd: Crd = {
      spec: {
        group: "g",
        names: { kind: "K", plural: "ks" },
        versions: [
          { name: "v1beta1", served: true },
          { name: "v2", served: false },
          { name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } },
        ],
      },
    };
    assert.equal(preferredServedVersion(crd), "v1");
    const info = kindInfoFromCrd(crd);
    assert.deepEqual(info, {
      group: "g",
      version: "v1",
      kind: "K",
      plural: "ks",
      namespaced: true,
      schema: { type: "object" },
    });
    assert.equal(resourcePath(info!, "ns 1"), "/apis/g/v1/namespaces/ns%201/ks");
  });

  it("gives no kind for a CRD serving nothing", () => {
    assert.equal(
      kindInfoFromCrd({
        spec: { group: "g", names: { kind: "K", plural: "ks" }, versions: [{ name: "v1", served: false }] },
      }),
      undefined,
    );
  });
});

/** A CRD of group g, kind K serving `served` (the others listed but not served). */
const crdServing = (served: string[], notServed: string[] = [], kind = "K"): Crd => ({
  metadata: { name: `${kind.toLowerCase()}s.g` },
  spec: {
    group: "g",
    names: { kind, plural: `${kind.toLowerCase()}s` },
    versions: [
      ...served.map((name) => ({ name, served: true })),
      ...notServed.map((name) => ({ name, served: false })),
    ],
  },
});

describe("which versions are read (issue 17)", () => {
  const pinned = (version: string, kind = "K") => ({ group: "g", version, kind });
  it("a config resource naming a version reads it while served, preferred or not", () => {
    const crd = crdServing(["v1", "v2"]);
    assert.equal(preferredServedVersion(crd), "v2");
    assert.equal(configVersion(pinned("v1"), crd), "v1");
    assert.equal(configVersion(pinned("v2"), crd), "v2");
    assert.equal(configVersion(pinned("v3"), crd), undefined);
    assert.equal(configVersion(pinned("v1"), crdServing(["v2"], ["v1"])), undefined, "not served");
  });
  it("a wildcard version follows the preferred served version", () => {
    assert.equal(configVersion(pinned("*"), crdServing(["v1"])), "v1");
    assert.equal(configVersion(pinned(""), crdServing(["v1", "v2"])), "v2");
  });
  it("auto mode reads the preferred version; a config pinned elsewhere costs a second reading", () => {
    const crd = crdServing(["v1", "v2"]);
    const auto = {};
    const ksm = { resources: [pinned("v1")] };
    assert.deepEqual(
      [...plannedVersions(crd, [auto, ksm])],
      [
        ["v2", [0]],
        ["v1", [1]],
      ],
    );
    // Same version: one reading, both mappers.
    assert.deepEqual([...plannedVersions(crd, [auto, { resources: [pinned("v2")] }])], [["v2", [0, 1]]]);
    assert.deepEqual([...plannedVersions(crd, [auto, { resources: [pinned("*", "*")] }])], [["v2", [0, 1]]]);
    // A config that names another kind, or a version not served, reads nothing of this CRD.
    assert.deepEqual([...plannedVersions(crd, [{ resources: [pinned("v1", "Other")] }])], []);
    assert.deepEqual([...plannedVersions(crd, [{ resources: [pinned("v9")] }])], []);
  });
  it("names readings by kind, with the version when it is not the preferred one", () => {
    const mapper: Mapper = { forKind: () => undefined };
    const readings = readingsOf(crdServing(["v1", "v2"]), [
      { mapper },
      { mapper, resources: [pinned("v1")] },
    ]);
    assert.deepEqual(
      readings.map((r) => [r.key, readingName(r), r.readers]),
      [
        ["ks.g/v2", "ks.g", [0]],
        ["ks.g/v1", "ks.g/v1", [1]],
      ],
    );
  });
  it("says why a config resource matches nothing", () => {
    const usable = () => undefined;
    const crds = [crdServing(["v2"], ["v1"])];
    assert.equal(unmatchedReason(pinned("v2"), crds, usable), undefined);
    assert.equal(unmatchedReason(pinned("*"), crds, usable), undefined);
    assert.equal(unmatchedReason(pinned("v1"), crds, usable), "version v1 is not served (served: v2)");
    assert.equal(
      unmatchedReason(pinned("v1", "Missing"), crds, usable),
      "no CustomResourceDefinition of kind Missing in group g",
    );
    assert.equal(
      unmatchedReason({ group: "h", version: "*", kind: "" }, crds, usable),
      "no CustomResourceDefinition of group h",
    );
    assert.equal(
      unmatchedReason(pinned("v2"), crds, () => "excluded"),
      "CRD ks.g: excluded",
    );
  });
});

describe("CRDs not Established", () => {
  it("reports NamesAccepted=False with its reason, and nothing once Established", () => {
    const crd = (conditions: Array<Record<string, string>>): Crd => ({ status: { conditions } });
    assert.equal(notEstablished(crd([{ type: "Established", status: "True" }])), undefined);
    assert.equal(notEstablished(crd([])), "not Established yet");
    assert.equal(
      notEstablished(
        crd([
          {
            type: "NamesAccepted",
            status: "False",
            reason: "KindConflict",
            message: '"Widget" is already in use',
          },
          { type: "Established", status: "False", reason: "NotAccepted" },
        ]),
      ),
      'NamesAccepted=False (KindConflict: "Widget" is already in use)',
    );
    assert.equal(
      notEstablished(crd([{ type: "Established", status: "False", reason: "Installing" }])),
      "Established=False (Installing)",
    );
  });
});

describe("selection", () => {
  const info = { group: "queue.example.com", kind: "MessageQueue", plural: "messagequeues" };
  it("includes everything by default", () => assert.ok(isSelected(info, selectAll)));
  it("filters by group globs and kind names", () => {
    assert.ok(isSelected(info, { ...selectAll, includeGroups: ["*.example.com"] }));
    assert.ok(!isSelected(info, { ...selectAll, includeGroups: ["*.k8s.io"] }));
    assert.ok(!isSelected(info, { ...selectAll, excludeGroups: ["queue.*"] }));
    assert.ok(isSelected(info, { ...selectAll, includeKinds: ["MessageQueue"] }));
    assert.ok(isSelected(info, { ...selectAll, includeKinds: ["messagequeues.queue.example.com"] }));
    assert.ok(!isSelected(info, { ...selectAll, excludeKinds: ["MessageQueue.queue.example.com"] }));
    assert.ok(!isSelected(info, { ...selectAll, includeKinds: ["Certificate"] }));
  });
  it("escapes regex characters in globs", () => {
    assert.ok(!globToRegExp("a.b").test("axb"));
    assert.ok(globToRegExp("a?b*").test("axb-long"));
  });
});

describe("sharding", () => {
  it("hashes with FNV-1a 64 (reference vectors)", () => {
    assert.equal(fnv1a64(""), 0xcbf29ce484222325n);
    assert.equal(fnv1a64("a"), 0xaf63dc4c8601ec8cn);
    assert.equal(fnv1a64("foobar"), 0x85944171f73967e8n);
  });
  it("jump hash matches the paper's reference values and stays in range", () => {
    // Values from the reference implementation (Lamping & Veach, 2014) for key 0 and 1.
    assert.equal(jumpHash(0n, 1), 0);
    assert.equal(jumpHash(0n, 100), 0);
    for (let i = 0n; i < 200n; i++) {
      const b = jumpHash(i * 7919n, 7);
      assert.ok(b >= 0 && b < 7);
    }
  });
  it("puts every uid in exactly one of N shards, roughly evenly, and moves few on growth", () => {
    const uids = Array.from({ length: 3000 }, (_, i) => `uid-${i}-${(i * 2654435761) % 1000003}`);
    const counts = [0, 0, 0];
    for (const uid of uids) {
      const owners = [0, 1, 2].filter((s) => ownsUid(uid, s, 3));
      assert.equal(owners.length, 1);
      counts[owners[0]!]!++;
    }
    for (const c of counts) assert.ok(c > 800 && c < 1200, `uneven shard sizes ${counts}`);
    const moved = uids.filter((u) => jumpHash(fnv1a64(u), 3) !== jumpHash(fnv1a64(u), 4)).length;
    assert.ok(moved < uids.length * 0.35, `growing 3→4 shards moved ${moved} of ${uids.length}`);
  });
});

describe("content negotiation", () => {
  it("answers OpenMetrics only when the client prefers it", () => {
    assert.equal(negotiateFormat(undefined), "text");
    assert.equal(negotiateFormat("text/plain"), "text");
    assert.equal(
      negotiateFormat(
        "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
      ),
      "openmetrics",
    );
    assert.equal(negotiateFormat("text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5"), "text");
    assert.equal(negotiateFormat("application/openmetrics-text;q=0"), "text");
  });
});
