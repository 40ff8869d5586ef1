// The small per-object state the auto mapper keeps between events: the last status of every
// condition and the last .status.phase, with their running transition counts. Never the object.

import type { ObjectState } from "../types.ts";

export const CONDITION_STATUSES = ["True", "False", "Unknown"] as const;
export type ConditionStatusValue = (typeof CONDITION_STATUSES)[number];
export type Counts = readonly [number, number, number];

/** Most distinct phases whose transition counts are kept per object. */
export const MAX_PHASES = 64;

interface ConditionEntry {
  readonly status: ConditionStatusValue | undefined;
  readonly counts: Counts;
}

export interface AutoState {
  readonly kind: "auto";
  /** Condition identity (family + labels incl. type) → last status and transitions by new status. */
  readonly conditions: ReadonlyMap<string, ConditionEntry>;
  readonly phase: string | undefined;
  /** Phase → times the object entered it. */
  readonly phaseCounts: ReadonlyMap<string, number>;
}

const ZERO: Counts = [0, 0, 0];

function isAutoState(s: ObjectState | undefined): s is AutoState {
  return typeof s === "object" && s !== null && (s as { kind?: unknown }).kind === "auto";
}

/** Builds the next state from the previous one while the object is walked. */
export class StateBuilder {
  private readonly prev: AutoState | undefined;
  private conditions: Map<string, ConditionEntry> | undefined;
  private phase: string | undefined;
  private phaseCounts: Map<string, number> | undefined;

  constructor(previous: ObjectState | undefined) {
    this.prev = isAutoState(previous) ? previous : undefined;
  }

  /**
   * Record a condition's current status and return its transition counts. A change from a
   * known previous status counts one transition to the new status; first sight counts nothing.
   */
  condition(key: string, status: ConditionStatusValue | undefined): Counts {
    const before = this.prev?.conditions.get(key);
    let counts = before?.counts ?? ZERO;
    if (before?.status !== undefined && status !== undefined && before.status !== status) {
      const i = CONDITION_STATUSES.indexOf(status);
      const next: [number, number, number] = [counts[0], counts[1], counts[2]];
      next[i] = counts[i]! + 1;
      counts = next;
    }
    this.conditions ??= new Map();
    this.conditions.set(key, { status: status ?? before?.status, counts });
    return counts;
  }

  /**
   * Record the current phase and return the counts to emit: every phase entered so far (and
   * the current one), each with how often the object entered it while watched.
   */
  setPhase(phase: string): ReadonlyMap<string, number> {
    const counts = new Map(this.prev?.phaseCounts);
    const last = this.prev?.phase;
    if (last !== undefined && last !== phase) counts.set(phase, (counts.get(phase) ?? 0) + 1);
    else if (!counts.has(phase)) counts.set(phase, 0);
    if (counts.size > MAX_PHASES) counts.delete(phase);
    this.phase = phase;
    this.phaseCounts = counts;
    return counts;
  }

  build(): AutoState | undefined {
    if (this.conditions === undefined && this.phase === undefined) return undefined;
    return {
      kind: "auto",
      conditions: this.conditions ?? new Map(),
      phase: this.phase,
      phaseCounts: this.phaseCounts ?? new Map(),
    };
  }
}
