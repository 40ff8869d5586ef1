// pino JSON logging, plus a limiter for messages that repeat per object or per value
// (unparsable fields, dropped series) so one bad CRD cannot flood the log.

import { type Logger, pino } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: "cr-exporter" }, timestamp: pino.stdTimeFunctions.isoTime });
}

/**
 * Logs a message at most once per `intervalMs` per key, and says how many were suppressed
 * when it logs that key again. Keys should be low-cardinality (kind + reason + field path).
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly maxKeys: number;

  constructor(log: Logger, intervalMs = 60_000, maxKeys = 10_000) {
    this.log = log;
    this.intervalMs = intervalMs;
    this.maxKeys = maxKeys;
  }

  warn(key: string, fields: Record<string, unknown>, msg: string, now = Date.now()): boolean {
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return false;
    }
    if (!seen && this.last.size >= this.maxKeys) this.last.clear(); // bounded memory
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    this.log.warn(suppressed > 0 ? { ...fields, suppressed } : fields, msg);
    return true;
  }
}
