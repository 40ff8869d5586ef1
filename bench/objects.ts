// The benchmark's custom resources and how they get into the API server fast.
//
// Three bulk kinds (Queue, Database, Cache) in bench.example.com, objects spread round-robin over
// the kinds and 50 namespaces. Their CRDs have NO /status subresource, so one create carries
// the whole status: half the requests of create + PATCH /status, and the exporters cannot tell
// the difference (they list/watch whole objects). The latency kind (Probe, in its own group so
// the bulk runs do not watch it) does have /status, and its patches go through it.
//
// Writes go straight to the API server over a pool of keep-alive connections with the admin
// kubeconfig's client certificate, many requests in flight, so setup is bounded by the API
// server, not by the client.

import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { Pool } from "undici";
import { applyCrd, testCrd } from "../test/helpers/kube.ts";

export const BENCH_GROUP = "bench.example.com";
export const PROBE_GROUP = "probe.bench.example.com";
export const VERSION = "v1";
export const KINDS = [
  { kind: "Queue", plural: "queues" },
  { kind: "Database", plural: "databases" },
  { kind: "Cache", plural: "caches" },
] as const;
export const PROBE = { kind: "Probe", plural: "probes", namespace: "ns-00" } as const;
export const NAMESPACES = 50;
export const PHASES = ["Pending", "Running", "Degraded", "Failed"] as const;
export const CONDITION_TYPES = ["Ready", "Available", "Progressing"] as const;
export const MEMBERS_PER_OBJECT = 3;

const timeSchema = { type: "string", format: "date-time" };
const conditionSchema = {
  type: "array",
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
  items: {
    type: "object",
    required: ["type", "status"],
    properties: {
      type: { type: "string" },
      status: { type: "string", enum: ["True", "False", "Unknown"] },
      reason: { type: "string" },
      message: { type: "string" },
      lastTransitionTime: timeSchema,
    },
  },
};

/** Status of the bulk kinds: 3 conditions, a phase, 5 numbers, 2 timestamps, a keyed list. */
export const BENCH_STATUS_SCHEMA = {
  type: "object",
  properties: {
    phase: { type: "string", enum: [...PHASES] },
    readyReplicas: { type: "integer" },
    availableReplicas: { type: "integer" },
    updatedReplicas: { type: "integer" },
    lagSeconds: { type: "number" },
    storedBytes: { type: "integer", format: "int64" },
    lastBackupTime: timeSchema,
    lastSyncTime: timeSchema,
    conditions: conditionSchema,
    members: {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
      items: {
        type: "object",
        required: ["name"],
        properties: {
          name: { type: "string" },
          ready: { type: "boolean" },
          lagSeconds: { type: "number" },
        },
      },
    },
  },
};

export const PROBE_STATUS_SCHEMA = {
  type: "object",
  properties: { value: { type: "integer", format: "int64" } },
};

export function namespaceName(n: number): string {
  return `ns-${String(n).padStart(2, "0")}`;
}

export interface BenchObject {
  readonly plural: string;
  readonly namespace: string;
  readonly body: object;
}

const BASE_TIME = Date.parse("2026-01-01T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Object number `i`: deterministic, so every run (and every size) has the same objects. */
export function benchObject(i: number): BenchObject {
  const { kind, plural } = KINDS[i % KINDS.length]!;
  const namespace = namespaceName(Math.floor(i / KINDS.length) % NAMESPACES);
  const phase = i % 20 === 0 ? "Degraded" : i % 50 === 1 ? "Pending" : i % 97 === 2 ? "Failed" : "Running";
  const healthy = phase === "Running";
  const t = BASE_TIME + i * 1000;
  const condition = (type: string, ok: boolean) => ({
    type,
    status: ok ? "True" : "False",
    reason: ok ? "AsExpected" : "Degraded",
    message: ok ? `${type} as expected` : `${type} not met: 1 of 3 members behind`,
    lastTransitionTime: iso(t),
  });
  return {
    plural,
    namespace,
    body: {
      apiVersion: `${BENCH_GROUP}/${VERSION}`,
      kind,
      metadata: {
        name: `${kind.toLowerCase()}-${String(i).padStart(6, "0")}`,
        namespace,
        labels: { app: "bench", tier: i % 2 === 0 ? "prod" : "dev" },
      },
      spec: { replicas: 3 },
      status: {
        phase,
        readyReplicas: healthy ? 3 : 2,
        availableReplicas: healthy ? 3 : 2,
        updatedReplicas: 3,
        lagSeconds: (i % 1000) / 8,
        storedBytes: (i % 4096) * 1_048_576,
        lastBackupTime: iso(t + 3_600_000),
        lastSyncTime: iso(t + 7_200_000),
        conditions: [
          condition("Ready", healthy),
          condition("Available", healthy),
          condition("Progressing", true),
        ],
        members: Array.from({ length: MEMBERS_PER_OBJECT }, (_, m) => ({
          name: `member-${m}`,
          ready: healthy || m > 0,
          lagSeconds: ((i + m) % 100) / 4,
        })),
      },
    },
  };
}

/** Raw HTTPS access to the API server as the kubeconfig's user (client certificate). */
export class ApiWriter {
  private readonly pool: Pool;

  constructor(kc: KubeConfig, connections = 32) {
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (!cluster?.caFile || !user?.certFile || !user.keyFile)
      throw new Error("ApiWriter needs a kubeconfig with CA, client certificate and key files");
    this.pool = new Pool(cluster.server, {
      connections,
      connect: {
        ca: readFileSync(cluster.caFile),
        cert: readFileSync(user.certFile),
        key: readFileSync(user.keyFile),
      },
    });
  }

  /** One request; a status outside 2xx (other than `allow`) is an error with the server's reason. */
  async send(
    method: "POST" | "PATCH" | "GET",
    path: string,
    body?: unknown,
    contentType = "application/json",
    allow: readonly number[] = [],
  ): Promise<number> {
    const res = await this.pool.request({
      method,
      path,
      headers: body === undefined ? {} : { "content-type": contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if ((res.statusCode >= 200 && res.statusCode < 300) || allow.includes(res.statusCode)) {
      await res.body.dump();
      return res.statusCode;
    }
    const text = await res.body.text();
    throw new Error(`${method} ${path}: HTTP ${res.statusCode}: ${text.slice(0, 500)}`);
  }

  /**
   * A WATCH (`path` with ?watch=true...): `onEvent` gets each event with the time its line was
   * read, `onEnd` is called if the server ends it (not after stop()). Resolves once the response
   * headers arrived.
   */
  async watch(
    path: string,
    onEvent: (event: { type: string; object: unknown }, receivedAt: number) => void,
    onEnd: (error?: Error) => void,
  ): Promise<{ stop(): void }> {
    const abort = new AbortController();
    const res = await this.pool.request({ method: "GET", path, signal: abort.signal });
    if (res.statusCode !== 200)
      throw new Error(`WATCH ${path}: HTTP ${res.statusCode}: ${await res.body.text()}`);
    void (async () => {
      let rest = "";
      try {
        for await (const chunk of res.body) {
          const receivedAt = performance.now();
          const lines = (rest + (chunk as Buffer).toString("utf8")).split("\n");
          rest = lines.pop()!;
          for (const line of lines) if (line) onEvent(JSON.parse(line), receivedAt);
        }
        if (!abort.signal.aborted) onEnd();
      } catch (err) {
        if (!abort.signal.aborted) onEnd(err as Error);
      }
    })();
    return { stop: () => abort.abort() };
  }

  /** One sample of the API server's own metrics (summed over series matching every `labels`). */
  async apiserverMetric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const res = await this.pool.request({ method: "GET", path: "/metrics" });
    const text = await res.body.text();
    let sum = 0;
    for (const line of text.split("\n")) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
        sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
    return sum;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Run `task(i)` for i in [from, to) with `concurrency` in flight; the first error stops it. */
export async function inParallel(
  from: number,
  to: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, to - from) }, worker));
}

/** The CRDs (3 bulk kinds, 1 probe kind) and the 50 namespaces. */
export async function setUpKinds(kc: KubeConfig, writer: ApiWriter): Promise<void> {
  for (const { kind } of KINDS)
    await applyCrd(
      kc,
      testCrd({ group: BENCH_GROUP, kind, status: BENCH_STATUS_SCHEMA, statusSubresource: false }),
    );
  await applyCrd(kc, testCrd({ group: PROBE_GROUP, kind: PROBE.kind, status: PROBE_STATUS_SCHEMA }));
  await inParallel(0, NAMESPACES, 16, (n) =>
    writer.send("POST", "/api/v1/namespaces", { metadata: { name: namespaceName(n) } }, undefined, [409]),
  );
}

export interface CreationStats {
  readonly objects: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/** Create bulk objects number `from` to `to - 1`, `concurrency` requests in flight. */
export async function createObjects(
  writer: ApiWriter,
  from: number,
  to: number,
  concurrency = 64,
): Promise<CreationStats> {
  const started = performance.now();
  await inParallel(from, to, concurrency, (i) => {
    const o = benchObject(i);
    return writer.send(
      "POST",
      `/apis/${BENCH_GROUP}/${VERSION}/namespaces/${o.namespace}/${o.plural}`,
      o.body,
    );
  });
  const seconds = (performance.now() - started) / 1000;
  return { objects: to - from, seconds, perSecond: (to - from) / seconds };
}

export function probeName(n: number): string {
  return `probe-${String(n).padStart(4, "0")}`;
}

export const PROBES_PATH = `/apis/${PROBE_GROUP}/${VERSION}/namespaces/${PROBE.namespace}/${PROBE.plural}`;

export function probePath(n: number): string {
  return `${PROBES_PATH}/${probeName(n)}`;
}

/** `count` Probe objects, each with status.value 0 written through /status. */
export async function createProbes(writer: ApiWriter, count: number): Promise<void> {
  await inParallel(0, count, 32, async (n) => {
    await writer.send("POST", PROBES_PATH, {
      apiVersion: `${PROBE_GROUP}/${VERSION}`,
      kind: PROBE.kind,
      metadata: { name: probeName(n) },
      spec: {},
    });
    await writer.send("PATCH", `${probePath(n)}/status`, { status: { value: 0 } }, MERGE_PATCH);
  });
}

export const MERGE_PATCH = "application/merge-patch+json";
