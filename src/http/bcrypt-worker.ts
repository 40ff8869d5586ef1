// The thread that runs bcrypt comparisons for web-config.ts (through bcrypt-pool.ts): bcrypt is
// slow by design (tens of milliseconds at cost 10), and bcryptjs computes it in JavaScript, so on
// the main thread a flood of wrong passwords would stall every request, probes included.

import { parentPort } from "node:worker_threads";
import bcrypt from "bcryptjs";

export interface CompareRequest {
  readonly id: number;
  readonly password: string;
  readonly hash: string;
}

export interface CompareReply {
  readonly id: number;
  readonly ok: boolean;
}

parentPort?.on("message", (request: CompareRequest) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(request.password, request.hash);
  } catch {
    ok = false; // a malformed hash never matches (the web config refuses them at start anyway)
  }
  parentPort?.postMessage({ id: request.id, ok } satisfies CompareReply);
});
