// Capped exponential backoff with full jitter (the AWS "full jitter" variant): the n-th wait is
// uniform in [0, min(cap, base·2ⁿ)], so many watches failing together do not retry together.

export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;

  constructor(baseMs: number, capMs: number, random: () => number = Math.random) {
    this.baseMs = baseMs;
    this.capMs = capMs;
    this.random = random;
  }

  /** The next wait in ms; grows until reset(). Never less than baseMs/2 to avoid hot loops. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.max(this.baseMs / 2, Math.floor(this.random() * ceiling));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** A sleep that ends early (resolving false) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
