// What the benchmark measures about a running exporter, from outside it: memory and CPU from
// /proc/<pid> (the same figures for a Node and a Go process), and /metrics scrapes timed to the
// last byte. The scrape client stays cheap (it drains or counts bytes, it does not parse 2M
// lines) because it shares this 2-core machine with the exporter under test.

import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { type Agent, request } from "node:http";
import { promisify } from "node:util";

const run = promisify(execFile);

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

export interface ProcFigures {
  /** VmRSS: resident now. */
  readonly rssBytes: number;
  /** VmHWM: the peak resident size since the process started. */
  readonly hwmBytes: number;
  /** utime + stime: CPU used so far, all threads. */
  readonly cpuSeconds: number;
}

function kib(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

export function readProc(pid: number): ProcFigures {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after "(comm)": state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuTicks = Number(rest[11]) + Number(rest[12]);
  return {
    rssBytes: kib(status, "VmRSS"),
    hwmBytes: kib(status, "VmHWM"),
    cpuSeconds: cpuTicks / CLOCK_TICKS,
  };
}

/** Samples VmRSS of a process every `intervalMs`, so a window's average can be taken. */
export class RssSampler {
  private readonly samples: Array<{ at: number; rss: number }> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly pid: number;

  constructor(pid: number, intervalMs = 100) {
    this.pid = pid;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  private sample(): void {
    try {
      this.samples.push({ at: performance.now(), rss: readProc(this.pid).rssBytes });
    } catch {
      // the process is gone; the caller notices elsewhere
    }
  }

  /** Mean RSS over samples taken in [from, to] (performance.now() times). */
  mean(from: number, to: number): number {
    const inWindow = this.samples.filter((s) => s.at >= from && s.at <= to);
    return inWindow.reduce((sum, s) => sum + s.rss, 0) / Math.max(1, inWindow.length);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // nearest-rank: the smallest value with at least p% of the values at or below it
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

const TEXT_FORMAT = "text/plain;version=0.0.4";

export interface Scrape {
  readonly status: number;
  /** From sending the request to the last byte received. */
  readonly ms: number;
  /** Bytes on the wire (compressed when gzip). */
  readonly bytes: number;
  readonly body?: Buffer;
}

/** GET http://127.0.0.1:port/metrics; the body is kept only when `keep`. */
export function scrapeOnce(
  port: number,
  options: { gzip?: boolean; keep?: boolean; agent?: Agent; path?: string } = {},
): Promise<Scrape> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: options.path ?? "/metrics",
        agent: options.agent,
        headers: { accept: TEXT_FORMAT, "accept-encoding": options.gzip ? "gzip" : "identity" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (options.keep) chunks.push(chunk);
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - started,
            bytes,
            body: options.keep ? Buffer.concat(chunks) : undefined,
          }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(300_000, () => req.destroy(new Error(`scrape of port ${port} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/**
 * A timed scrape by curl: the client is another (C) process, so its work neither competes with
 * this process' timers nor depends on Node's HTTP client speed. Times are curl's own
 * time_total (request sent to last byte), not counting curl's start-up.
 */
export async function curlScrape(port: number, gzip: boolean): Promise<Scrape> {
  const { stdout } = await run("curl", [
    "-s",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code} %{time_total} %{size_download}",
    "-H",
    `Accept: ${TEXT_FORMAT}`,
    "-H",
    `Accept-Encoding: ${gzip ? "gzip" : "identity"}`,
    "--max-time",
    "300",
    `http://127.0.0.1:${port}/metrics`,
  ]);
  const [code = "0", seconds = "0", size = "0"] = stdout.trim().split(" ");
  return { status: Number(code), ms: Number(seconds) * 1000, bytes: Number(size) };
}

export interface SeriesCount {
  /** Sample lines (not comments, not blank). */
  readonly series: number;
  /** Sample lines of `family` (name followed by `{` or a space). */
  readonly family: number;
}

/** Count series in a text-format body without splitting it into strings. */
export function countSeries(body: Buffer, family: string): SeriesCount {
  const name = Buffer.from(family);
  let series = 0;
  let inFamily = 0;
  let pos = 0;
  while (pos < body.length) {
    let end = body.indexOf(10, pos);
    if (end < 0) end = body.length;
    if (end > pos && body[pos] !== 35 /* # */) {
      series++;
      const after = body[pos + name.length];
      if (
        (after === 123 /* { */ || after === 32) &&
        body.compare(name, 0, name.length, pos, pos + name.length) === 0
      )
        inFamily++;
    }
    pos = end + 1;
  }
  return { series, family: inFamily };
}

/** The value of one sample (first match of name and optional label subset) in a small scrape. */
export async function gaugeValue(port: number, name: string): Promise<number> {
  const scrape = await scrapeOnce(port, { keep: true });
  const text = scrape.body!.toString("utf8");
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
  if (!m) throw new Error(`no sample ${name} on port ${port}`);
  return Number(m[1]);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
