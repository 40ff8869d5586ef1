// Wrong-password flood against basic auth (issue 20, point 1): how long /healthz and an
// authorised scrape take while N connections send wrong passwords as fast as they are answered.
//
// The exporter runs over --from-files examples/ with a web config holding one bcrypt user at
// cost 10 (a usual htpasswd cost), plain HTTP so the figures are bcrypt's and not TLS's. Every
// attacking request carries a new password (a cache of failures would otherwise answer them).
// The prober sends /healthz and an authorised /metrics one after the other on its own
// connection; the authorised user logs in once before the flood, as Prometheus would have.
//
//   node bench/auth-flood.ts [--main src/main.ts] [--connections 24,64] [--seconds 8] [--addresses 1]
//
// --main lets the same script measure another checkout (e.g. the code before a change).
// --addresses N spreads the attacking connections over N source addresses (127.0.0.2, …), as
// attackers on several hosts would be (the exporter bounds checks per address as well as in all).

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import bcrypt from "bcryptjs";
import { Client, request } from "undici";
import { startProcess } from "../test/helpers/exporter.ts";
import { percentile, sleep } from "./measure.ts";

const { values } = parseArgs({
  options: {
    main: { type: "string", default: new URL("../src/main.ts", import.meta.url).pathname },
    connections: { type: "string", default: "24,64" },
    seconds: { type: "string", default: "8" },
    addresses: { type: "string", default: "1" },
  },
});
const seconds = Number(values.seconds);
const EXAMPLES = new URL("../examples", import.meta.url).pathname;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
const GOOD = basic("prometheus", "s3cret");

const dir = mkdtempSync(join(tmpdir(), "auth-flood-"));
writeFileSync(join(dir, "web.yml"), `basic_auth_users:\n  prometheus: "${bcrypt.hashSync("s3cret", 10)}"\n`);
const exporter = await startProcess(process.execPath, [
  resolve(values.main),
  "--host",
  "127.0.0.1",
  "--port",
  "0",
  "--telemetry-port",
  "0",
  "--from-files",
  EXAMPLES,
  "--web-config-file",
  join(dir, "web.yml"),
]);
const base = `http://127.0.0.1:${exporter.port}`;

/** One timed request on `client`; returns [ms, status]. */
async function timed(client: Client, path: string, auth?: string): Promise<[number, number]> {
  const started = performance.now();
  const res = await request(`${base}${path}`, {
    dispatcher: client,
    headers: auth ? { authorization: auth } : {},
  });
  await res.body.arrayBuffer();
  return [performance.now() - started, res.statusCode];
}

interface Row {
  connections: number;
  healthz: number[];
  scrape: number[];
  failedProbes: number;
  attacks: Map<number, number>;
}

async function measure(connections: number): Promise<Row> {
  const row: Row = { connections, healthz: [], scrape: [], failedProbes: 0, attacks: new Map() };
  let stop = false;
  let n = 0;
  const attackers = Array.from({ length: connections }, async (_, i) => {
    const localAddress = `127.0.0.${2 + (i % Number(values.addresses))}`;
    const client = new Client(base, { pipelining: 1, connect: { localAddress } });
    while (!stop) {
      try {
        const [, status] = await timed(client, "/metrics", basic("prometheus", `wrong-${n++}`));
        row.attacks.set(status, (row.attacks.get(status) ?? 0) + 1);
      } catch {
        row.attacks.set(0, (row.attacks.get(0) ?? 0) + 1);
      }
    }
    await client.close();
  });
  const prober = new Client(base, { pipelining: 1 });
  await sleep(connections > 0 ? 1000 : 0); // let the flood reach its steady state
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const [h, hs] = await timed(prober, "/healthz");
    const [s, ss] = await timed(prober, "/metrics", GOOD);
    row.healthz.push(h);
    row.scrape.push(s);
    if (hs !== 200 || ss !== 200) row.failedProbes++;
  }
  stop = true;
  await Promise.all(attackers);
  await prober.close();
  return row;
}

try {
  const warm = new Client(base);
  const [, status] = await timed(warm, "/metrics", GOOD); // the login Prometheus did before the flood
  await warm.close();
  if (status !== 200) throw new Error(`authorised scrape answered ${status}`);
  const rows = [await measure(0)];
  for (const c of values.connections.split(",").map(Number)) rows.push(await measure(c));
  const f = (v: number) => (v < 10 ? v.toFixed(1) : v.toFixed(0));
  console.log(
    "| attacking connections | /healthz p50 / p99 / max ms | authorised scrape p50 / p99 / max ms | probes failed | attacks answered (status: count) |",
  );
  console.log("|---|---|---|---|---|");
  for (const r of rows) {
    const stat = (v: number[]) => `${f(percentile(v, 50))} / ${f(percentile(v, 99))} / ${f(Math.max(...v))}`;
    const attacks = [...r.attacks].map(([s, c]) => `${s}: ${c}`).join(", ") || "-";
    console.log(
      `| ${r.connections} | ${stat(r.healthz)} | ${stat(r.scrape)} | ${r.failedProbes} | ${attacks} |`,
    );
  }
} finally {
  await exporter.stop();
}
