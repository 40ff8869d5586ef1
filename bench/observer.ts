// The latency phase's observer, a process of its own (started by bench/latency.ts): it watches the
// Probe kind on the API server, as a reference client, and polls the exporter's /metrics every
// POLL_MS. Being nearly idle, it reads both promptly, unlike the bench process that sends
// hundreds of PATCHes per second. It reports, with wall-clock times (ms since the epoch, the
// same clock in every process):
//
//   ready                 the watch is open and one scrape was done
//   w <value> <time>      the watch delivered status.value = value
//   m <value> <time>      a scrape ending at <time> showed value (new for its probe; the first
//                         scrape reports every probe)
//   r                     the API server ended the watch; it was re-opened from the last resourceVersion
//   s <scrapes>           on SIGTERM, before exiting: how many scrapes were done
//
// Usage: node bench/observer.ts KUBECONFIG METRICS_PORT FAMILY

import { Agent } from "node:http";
import { KubeConfig } from "@kubernetes/client-node";
import { scrapeOnce, sleep } from "./measure.ts";
import { ApiWriter, PROBES_PATH } from "./objects.ts";

const POLL_MS = 10;
const [kubeconfig = "", portText = "", family = ""] = process.argv.slice(2);
const port = Number(portText);
const now = () => performance.timeOrigin + performance.now();
const out = (line: string) => process.stdout.write(`${line}\n`);

/** The probe values in one scrape, by probe name. */
export function probeValues(body: string, metric: string): Map<string, number> {
  const values = new Map<string, number>();
  const prefix = `${metric}{`;
  for (const line of body.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const name = /[{,]name="([^"]+)"/.exec(line);
    if (name) values.set(name[1]!, Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return values;
}

async function main(): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const writer = new ApiWriter(kc, 2);
  let resourceVersion = "";
  let stopped = false;
  let watch: { stop(): void } | undefined;
  const open = async (): Promise<void> => {
    const query = resourceVersion ? `&resourceVersion=${resourceVersion}` : "";
    watch = await writer.watch(
      `${PROBES_PATH}?watch=true${query}`,
      (event) => {
        const t = now();
        const object = event.object as {
          metadata?: { resourceVersion?: string };
          status?: { value?: number };
        };
        if (event.type === "ERROR")
          resourceVersion = ""; // e.g. 410 Gone: start again from now
        else if (object.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
        const value = object.status?.value;
        if (event.type === "MODIFIED" && typeof value === "number") out(`w ${value} ${t}`);
      },
      () => {
        if (stopped) return;
        out("r");
        void open().catch((err: Error) =>
          process.stderr.write(`observer: re-watch failed: ${err.message}\n`),
        );
      },
    );
  };
  await open();

  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const seen = new Map<string, number>();
  let scrapes = 0;
  let announced = false;
  process.once("SIGTERM", () => {
    stopped = true;
    watch?.stop();
    out(`s ${scrapes}`);
    process.exit(0);
  });
  for (;;) {
    const started = performance.now();
    const scrape = await scrapeOnce(port, { keep: true, agent }).catch(() => undefined);
    const t = now();
    if (scrape?.status === 200) {
      scrapes++;
      for (const [name, value] of probeValues(scrape.body!.toString("utf8"), family)) {
        if (seen.get(name) === value) continue;
        seen.set(name, value);
        out(`m ${value} ${t}`);
      }
      if (!announced) {
        announced = true;
        out("ready");
      }
    }
    await sleep(Math.max(0, POLL_MS - (performance.now() - started)));
  }
}

if (import.meta.main) await main();
