// Which CEL library evaluates the health rules (src/mapping/health/): @bufbuild/cel or
// @marcbachmann/cel-js. Measures, on the same expressions and objects:
//   1. correctness on tricky expressions: has(), optional fields (.?x.orValue()), missing keys,
//      list macros (exists/all/filter/map, exists_one), string ops, int vs double (JSON numbers),
//      a string observedGeneration, `in` on maps, errors absorbed by && / ||;
//   2. compile errors found at load (syntax, unknown function, wrong argument types);
//   3. speed per evaluation over corpus-like objects (compiled once, evaluated many times).
//
// Only one of the two is a dependency of the project; install the other outside it, e.g.
//   mkdir -p /tmp/celcmp && cd /tmp/celcmp && npm init -y >/dev/null \
//     && npm install @bufbuild/cel@^0.6.1 @marcbachmann/cel-js@^8.0.0
//   CEL_MODULES=/tmp/celcmp/node_modules ./node_modules/.bin/node bench/cel-compare.ts
// Prints one table for correctness and one for speed; docs/health.md quotes a run.

import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

type Outcome = { value: unknown } | { error: string };
interface Compiled {
  run(self: unknown): Outcome;
}
interface Library {
  name: string;
  /** Throws when the expression does not parse or type-check. */
  compile(expr: string): Compiled;
}

const modulesDir = process.env.CEL_MODULES ?? join(new URL("..", import.meta.url).pathname, "node_modules");
const req = createRequire(join(modulesDir, "x.js"));

// biome-ignore lint/suspicious/noExplicitAny: either library, loaded by name; typed by use below
async function load(spec: string): Promise<any> {
  let resolved: string;
  try {
    resolved = req.resolve(spec);
  } catch {
    return undefined;
  }
  // The ESM entry point, not the CommonJS one require.resolve found.
  try {
    return await import(spec);
  } catch {
    return import(pathToFileURL(resolved.replace("/dist/cjs/", "/dist/esm/")).href);
  }
}

async function bufbuild(): Promise<Library | undefined> {
  const cel = await load("@bufbuild/cel");
  if (!cel) return undefined;
  const ext = await import(
    pathToFileURL(req.resolve("@bufbuild/cel/ext").replace("/dist/cjs/", "/dist/esm/")).href
  );
  const env = cel.celEnv({ variables: { self: cel.CelScalar.DYN }, funcs: ext.strings });
  return {
    name: "@bufbuild/cel",
    compile(expr) {
      // 0.6.1 exports no type checker (check() is internal): parse + plan is what it offers.
      const parsed = cel.parse(expr);
      const fn = cel.plan(env, typeof cel.check === "function" ? cel.check(env, parsed) : parsed);
      return {
        run(self) {
          const r = fn({ self });
          return cel.isCelError(r) ? { error: String(r.message ?? r) } : { value: fromBuf(cel, r) };
        },
      };
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the module object of @bufbuild/cel, loaded by name
function fromBuf(cel: any, v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (cel.isCelList(v)) return [...(v as Iterable<unknown>)].map((x) => fromBuf(cel, x));
  return v;
}

async function marcbachmann(): Promise<Library | undefined> {
  const cel = await load("@marcbachmann/cel-js");
  if (!cel) return undefined;
  const env = new cel.Environment({
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: false,
  }).registerVariable("self", "dyn");
  return {
    name: "@marcbachmann/cel-js",
    compile(expr) {
      const c = env.check(expr);
      if (!c.valid) throw c.error ?? new Error("invalid");
      const fn = env.parse(expr);
      return {
        run(self) {
          try {
            const v = fn({ self });
            return { value: typeof v === "bigint" ? Number(v) : Array.isArray(v) ? v.map(norm) : v };
          } catch (err) {
            return { error: (err as Error).message };
          }
        },
      };
    },
  };
}
const norm = (x: unknown) => (typeof x === "bigint" ? Number(x) : x);

// ---------------------------------------------------------------------------------------------
// Correctness cases. `expect` is what CEL (cel-spec, and Kubernetes' CEL) gives; "error" means
// an evaluation error (which the health module turns into a fallback to the generic rules).

const obj = {
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name: "apps", namespace: "flux-system", generation: 3 },
  spec: { suspend: false, interval: "10m" },
  status: {
    observedGeneration: 2,
    conditions: [
      { type: "Ready", status: "False", reason: "ReconciliationFailed", message: "kustomize build failed" },
      { type: "Stalled", status: "True", reason: "BuildFailed" },
      { type: "Healthy", status: "Unknown" },
    ],
    health: { status: "Degraded" },
    replicas: 3,
    readyReplicas: 2.0,
    rolloutGeneration: "7",
    parents: [
      { conditions: [{ type: "Accepted", status: "True" }] },
      { conditions: [{ type: "Accepted", status: "False" }] },
    ],
  },
};

interface Case {
  name: string;
  expr: string;
  expect: unknown;
}
const cases: Case[] = [
  { name: "has() on a present field", expr: "has(self.status.health)", expect: true },
  { name: "has() on a missing field", expr: "has(self.status.phase)", expect: false },
  { name: "has() under a missing parent is an error", expr: "has(self.spec.foo.bar)", expect: "error" },
  { name: "missing key is an error", expr: "self.status.phase == 'Failed'", expect: "error" },
  { name: "missing key absorbed by ||", expr: "true || self.status.phase == 'x'", expect: true },
  {
    name: "missing key absorbed by && (either side)",
    expr: "self.status.phase == 'x' && false",
    expect: false,
  },
  { name: "optional field with default", expr: "self.status.?phase.orValue('none')", expect: "none" },
  { name: "optional chain through missing map", expr: "self.?spec.?foo.?bar.orValue(1) == 1", expect: true },
  { name: "'in' on a map", expr: "'health' in self.status && !('phase' in self.status)", expect: true },
  {
    name: "exists over conditions",
    expr: "self.status.conditions.exists(c, c.type == 'Stalled' && c.status == 'True')",
    expect: true,
  },
  {
    name: "exists with a missing key in another item",
    expr: "self.status.conditions.exists(c, c.type == 'Healthy' && c.reason == 'x')",
    expect: "error",
  },
  {
    name: "exists with has() guard",
    expr: "self.status.conditions.exists(c, has(c.reason) && c.reason.endsWith('Failed'))",
    expect: true,
  },
  { name: "all over conditions", expr: "self.status.conditions.all(c, c.status != 'Error')", expect: true },
  { name: "filter then size", expr: "size(self.status.conditions.filter(c, c.status == 'True'))", expect: 1 },
  {
    name: "map macro",
    expr: "self.status.conditions.map(c, c.type)",
    expect: ["Ready", "Stalled", "Healthy"],
  },
  { name: "exists_one", expr: "self.status.conditions.exists_one(c, c.type == 'Ready')", expect: true },
  {
    name: "nested list conditions (Gateway parents)",
    expr: "self.status.parents.exists(p, p.conditions.exists(c, c.type == 'Accepted' && c.status == 'False'))",
    expect: true,
  },
  { name: "JSON int vs int literal", expr: "self.metadata.generation == 3", expect: true },
  { name: "JSON int vs double literal", expr: "self.metadata.generation == 3.0", expect: true },
  {
    name: "int compare of two JSON numbers",
    expr: "self.status.observedGeneration < self.metadata.generation",
    expect: true,
  },
  { name: "JSON number vs int literal with <", expr: "self.status.readyReplicas < 3", expect: true },
  {
    name: "string observedGeneration via int()",
    expr: "int(self.status.rolloutGeneration) == 7",
    expect: true,
  },
  { name: "double() of a JSON number", expr: "double(self.status.replicas) / 2.0", expect: 1.5 },
  {
    name: "startsWith / endsWith / contains",
    expr: "'ReconciliationFailed'.endsWith('Failed') && 'abc'.contains('b')",
    expect: true,
  },
  {
    name: "matches (RE2)",
    expr: "self.status.conditions[0].reason.matches('^(Reconciliation|Build)Failed$')",
    expect: true,
  },
  {
    name: "lowerAscii (strings ext)",
    expr: "self.status.health.status.lowerAscii() == 'degraded'",
    expect: true,
  },
  { name: "list 'in'", expr: "self.status.health.status in ['Degraded', 'Missing']", expect: true },
  { name: "index out of range is an error", expr: "self.status.conditions[5].type == 'x'", expect: "error" },
  { name: "ternary", expr: "self.spec.suspend ? 'Suspended' : 'Active'", expect: "Active" },
  { name: "size of a string", expr: "size(self.metadata.name)", expect: 4 },
];

/** Expressions that must be refused at load, not at the first object. */
const compileErrors: Case[] = [
  { name: "syntax error", expr: "self.status.phase ==", expect: "error" },
  { name: "unknown function", expr: "foo(self.status)", expect: "error" },
  { name: "unknown variable", expr: "object.status.phase == 'x'", expect: "error" },
  { name: "wrong literal types", expr: "'a' + 1 == 'a1'", expect: "error" },
  { name: "macro on a non-identifier", expr: "self.status.conditions.exists('c', true)", expect: "error" },
];

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function correctness(lib: Library): { passed: number; failures: string[] } {
  const failures: string[] = [];
  let passed = 0;
  for (const c of cases) {
    let out: Outcome;
    try {
      out = lib.compile(c.expr).run(obj);
    } catch (err) {
      failures.push(`${c.name}: refused at compile (${(err as Error).message.split("\n")[0]})`);
      continue;
    }
    const ok = c.expect === "error" ? "error" in out : "value" in out && same(out.value, c.expect);
    if (ok) passed++;
    else failures.push(`${c.name}: got ${JSON.stringify(out)} want ${JSON.stringify(c.expect)}`);
  }
  for (const c of compileErrors) {
    try {
      lib.compile(c.expr);
      failures.push(`${c.name}: accepted at compile`);
    } catch {
      passed++;
    }
  }
  return { passed, failures };
}

// ---------------------------------------------------------------------------------------------
// Speed: realistic rule expressions over corpus-like objects.

// Written without optional syntax (.?x), which @bufbuild/cel 0.6.1 does not parse, so that both
// libraries run the same expressions.
const rules = [
  "has(self.status) && has(self.status.health) && self.status.health.status == 'Degraded'",
  "has(self.status.conditions) && self.status.conditions.exists(c, c.type == 'Ready' && c.status == 'False' && has(c.reason) && c.reason in ['IssuanceFailed', 'Failed'])",
  "self.status.conditions.exists(c, c.type == 'Stalled' && c.status == 'True')",
  "has(self.status.observedGeneration) && self.status.observedGeneration < self.metadata.generation",
  "has(self.status.phase) && self.status.phase in ['Failed', 'Error', 'Degraded']",
  "self.status.resources.exists(r, has(r.health) && r.health.status == 'Degraded')",
];

function bigObject(n: number): unknown {
  return {
    ...obj,
    status: {
      ...obj.status,
      resources: Array.from({ length: n }, (_, i) => ({
        kind: "Deployment",
        name: `app-${i}`,
        namespace: "shop",
        status: "Synced",
        health: { status: i === n - 1 ? "Degraded" : "Healthy" },
      })),
    },
  };
}

function timeIt(fn: () => void, minMs = 400): number {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  const budget = BigInt(minMs) * 1_000_000n;
  while (elapsed < budget) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
    elapsed = process.hrtime.bigint() - start;
  }
  return Number(elapsed) / n;
}

function speed(lib: Library): { compileUs: number; smallNs: number; bigNs: number } {
  const t0 = process.hrtime.bigint();
  let compiled: Compiled[] = [];
  for (let i = 0; i < 20; i++) compiled = rules.map((r) => lib.compile(r));
  const compileUs = Number(process.hrtime.bigint() - t0) / 1000 / (20 * rules.length);
  const small = { ...obj, status: { ...obj.status, resources: [] } };
  const big = bigObject(150);
  const all = (o: unknown) => () => {
    for (const c of compiled) c.run(o);
  };
  return { compileUs, smallNs: timeIt(all(small)) / rules.length, bigNs: timeIt(all(big)) / rules.length };
}

const libs = (await Promise.all([bufbuild(), marcbachmann()])).filter((l): l is Library => l !== undefined);
if (libs.length === 0) {
  console.error("neither @bufbuild/cel nor @marcbachmann/cel-js found under", modulesDir);
  process.exit(1);
}
console.log(
  `node ${process.version}, ${cases.length} evaluation cases + ${compileErrors.length} compile-error cases`,
);
for (const lib of libs) {
  const { passed, failures } = correctness(lib);
  console.log(`\n${lib.name}: ${passed}/${cases.length + compileErrors.length} correct`);
  for (const f of failures) console.log(`  FAIL ${f}`);
}
console.log("\n| library | compile µs/expr | eval ns (small object) | eval ns (150 resources) |");
console.log("|---|---:|---:|---:|");
for (const lib of libs) {
  const s = speed(lib);
  console.log(
    `| ${lib.name} | ${s.compileUs.toFixed(1)} | ${s.smallNs.toFixed(0)} | ${s.bigNs.toFixed(0)} |`,
  );
}
