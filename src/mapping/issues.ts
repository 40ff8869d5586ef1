// The problems found while mapping one object, bounded: repeats folded, at most
// MAX_ISSUES_PER_OBJECT kept and the rest summed into one `issues_truncated`, so a hostile
// object cannot flood the log or the self-metrics.

import type { MappingIssue } from "./types.ts";

export const MAX_ISSUES_PER_OBJECT = 20;

export class IssueList {
  private readonly issues: MappingIssue[] = [];
  private readonly seen = new Set<string>();
  private dropped = 0;

  add(reason: string, detail: string): void {
    const key = `${reason}\u0000${detail}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.issues.length >= MAX_ISSUES_PER_OBJECT) this.dropped++;
    else this.issues.push({ reason, detail });
  }

  /** The issues, or undefined when there are none. */
  list(): MappingIssue[] | undefined {
    if (this.dropped > 0) {
      this.issues.push({ reason: "issues_truncated", detail: `${this.dropped} more issues not reported` });
      this.dropped = 0;
    }
    return this.issues.length > 0 ? this.issues : undefined;
  }
}
