// A small pool of worker threads (bcrypt-worker.ts) that compare passwords with bcrypt hashes
// off the event loop. The authenticator (web-config.ts) bounds how many comparisons it asks for
// at once, so the pool itself only queues.

import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { CompareReply, CompareRequest } from "./bcrypt-worker.ts";

// .ts when run from src/ (type stripping); .js in dist/, where scripts/build.ts bundles the worker
// as an entry point of its own next to main.js.
const WORKER = new URL(`./bcrypt-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

interface Slot {
  readonly worker: Worker;
  /** Comparisons sent to this worker and not answered yet: id → resolve. */
  readonly pending: Map<number, (ok: boolean) => void>;
}

export class BcryptPool {
  private readonly size: number;
  private readonly slots: Slot[] = [];
  private nextId = 0;

  constructor(size = 1) {
    this.size = size;
  }

  /** Whether `password` matches `hash`; false for a malformed hash or a worker that died. */
  compare(password: string, hash: string): Promise<boolean> {
    const slot = this.slot();
    const id = this.nextId++;
    return new Promise<boolean>((resolve) => {
      if (slot.pending.size === 0) slot.worker.ref(); // busy: keeps the process alive until answered
      slot.pending.set(id, resolve);
      slot.worker.postMessage({ id, password, hash } satisfies CompareRequest);
    });
  }

  /** Stops the workers; comparisons still pending answer false. */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** The least busy worker; workers start on first use (a config without basic auth starts none). */
  private slot(): Slot {
    const idle = this.slots.find((s) => s.pending.size === 0);
    if (idle) return idle;
    if (this.slots.length >= this.size) {
      return this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    }
    const worker = new Worker(WORKER);
    const slot: Slot = { worker, pending: new Map() };
    worker.on("message", (reply: CompareReply) => {
      const done = slot.pending.get(reply.id);
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref(); // idle: never keeps the process alive
      done?.(reply.ok);
    });
    const fail = () => {
      // A dead worker denies what it held; the next comparison starts a new one.
      const at = this.slots.indexOf(slot);
      if (at >= 0) this.slots.splice(at, 1);
      for (const done of slot.pending.values()) done(false);
      slot.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", fail);
    worker.unref(); // after the listeners, which ref it
    this.slots.push(slot);
    return slot;
  }
}
