// Health verdicts of custom resources (cr_health, cr_health_reason): per-kind rules written in
// CEL (built-in ones for well-known operators, plus the user's `healthRules` from the config
// file, which replace the built-in ones per kind), then the generic rules of ./generic.ts.
//
// Per kind, in this order, first match wins:
//   1. metadata.deletionTimestamp set → Terminating (no rule can hide a deletion); no status (or
//      an empty one) → InProgress "no status" (the controller has not written it: nothing for a
//      kind's rules to read)
//   2. the kind's rules: every `failed` rule, then `inProgress`, then `current`, each a CEL
//      expression over the object bound as `self` (the dialect of Kubernetes' own CEL), true
//      to match; reason "rule <key>: <the rule's reason>"
//   3. the generic rules (./generic.ts)
// A rule that errors on an object (a missing key it did not guard with has() or `.?`, a
// non-boolean result) leaves that object to the generic rules, and the verdict says so in
// `ruleError` (the caller counts it: cr_exporter_health_rule_errors_total{group, kind}).
// Pure: no I/O, no clock. Every expression is parsed and type-checked once, in
// compileHealthRules(); assess() only evaluates.

import type { KubeObject } from "../types.ts";
import { BUILTIN_HEALTH_RULES } from "./builtin-rules.ts";
import { type CompiledExpression, compileExpression } from "./cel.ts";
import { assessGeneric, isPlainObject } from "./generic.ts";

export const HEALTH_STATES = ["Current", "InProgress", "Failed", "Terminating", "Unknown"] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

export interface HealthVerdict {
  readonly state: HealthState;
  /**
   * Which rule decided, bounded and prose-free (a label value of cr_health_reason): e.g.
   * "condition Stalled=True", "condition Ready=False (failure reason)", "phase Degraded",
   * "generation not observed", "no status", "rule Application.argoproj.io: health Degraded".
   * Never the object's own reason or message strings.
   */
  readonly reason: string;
  /** Set when a per-kind rule failed at runtime on this object (the generic rules decided instead). */
  readonly ruleError?: string;
}

export interface KindHealth {
  assess(obj: KubeObject): HealthVerdict;
}

export interface HealthRuleSet {
  /**
   * The verdicts of one kind. `statusDeclared: false` says the kind's schema has no `status`
   * (and does not preserve unknown fields at its root): its objects never get a status, so a
   * missing one reads Current ("no status in schema") instead of InProgress ("no status").
   * Omitted: a missing status reads InProgress.
   */
  forKind(kind: { group: string; kind: string; plural: string; statusDeclared?: boolean }): KindHealth;
}

export class HealthRuleError extends Error {
  override name = "HealthRuleError";
}

/** The rule lists of a kind, in the order they are tried. */
export const RULE_LISTS = ["failed", "inProgress", "current"] as const;
type RuleList = (typeof RULE_LISTS)[number];
const LIST_STATE: Record<RuleList, HealthState> = {
  failed: "Failed",
  inProgress: "InProgress",
  current: "Current",
};

/** One kind's rules as written (in the config file or builtin-rules.ts). */
export interface KindRulesSource {
  readonly failed?: readonly RuleSource[];
  readonly inProgress?: readonly RuleSource[];
  readonly current?: readonly RuleSource[];
}
export interface RuleSource {
  /** CEL over `self` (the object), true when the rule applies. */
  readonly when: string;
  /** Bounded, prose-free: becomes part of the cr_health_reason label. */
  readonly reason: string;
}

interface CompiledRule {
  readonly state: HealthState;
  readonly reason: string;
  readonly expr: CompiledExpression;
  readonly source: string;
}

/** `plural.group` (e.g. `certificates.cert-manager.io`) or `Kind.group` (`Certificate.cert-manager.io`). */
const KEY_PATTERN = /^[A-Za-z][A-Za-z0-9]*\.[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const REASON_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 .,:=()/_<>!+-]*$/;
const MAX_REASON = 60;

/**
 * Built-in per-kind rules plus the user's `healthRules` config value (undefined or null = none).
 * Every CEL expression of the user's is compiled once here; a kind's built-in ones when a kind
 * they are for is first seen (compiling all ~60 at start-up cost ~50 ms of CPU, for kinds most
 * clusters do not have). Throws HealthRuleError naming the field (e.g.
 * `healthRules["Certificate.cert-manager.io"].failed[0].when`) and, for an expression that does
 * not compile or type-check, the expression itself.
 */
export function compileHealthRules(user: unknown): HealthRuleSet {
  const builtin = builtinRules();
  const custom = user === undefined || user === null ? new Map() : compileRuleMap(user, "healthRules");
  const cache = new Map<string, KindHealth>();
  return {
    forKind({ group, kind, plural, statusDeclared }) {
      const byPlural = `${plural}.${group}`;
      const byKind = `${kind}.${group}`;
      const cacheKey = `${byPlural}\n${statusDeclared === false}`;
      const cached = cache.get(cacheKey);
      if (cached) return cached;
      // The user's rules replace the built-in ones for the kind (an empty entry disables them).
      const userRules = custom.get(byPlural) ?? custom.get(byKind);
      const rules = userRules ?? builtin.get(byPlural) ?? builtin.get(byKind) ?? [];
      const key = userRules ? (custom.has(byPlural) ? byPlural : byKind) : byKind;
      const health = statusDeclared === false ? statusless(kindHealth(key, rules)) : kindHealth(key, rules);
      cache.set(cacheKey, health);
      return health;
    },
  };
}

function statusless(inner: KindHealth): KindHealth {
  return {
    assess(obj) {
      const v = inner.assess(obj);
      return v.state === "InProgress" && v.reason === "no status"
        ? { state: "Current", reason: "no status in schema" }
        : v;
    },
  };
}

function kindHealth(key: string, rules: readonly CompiledRule[]): KindHealth {
  if (rules.length === 0) return { assess: assessGeneric };
  return {
    assess(obj) {
      // Deletion and a status not written yet read the same for every kind.
      const meta = isPlainObject(obj.metadata) ? obj.metadata : undefined;
      if (typeof meta?.deletionTimestamp === "string" && meta.deletionTimestamp !== "")
        return assessGeneric(obj);
      if (!isPlainObject(obj.status) || Object.keys(obj.status).length === 0) return assessGeneric(obj);
      for (const rule of rules) {
        const r = rule.expr.evaluate(obj);
        if (r.error !== undefined) {
          const generic = assessGeneric(obj);
          return { ...generic, ruleError: `${key} ${rule.source}: ${r.error}` };
        }
        if (r.value) return { state: rule.state, reason: `rule ${key}: ${rule.reason}` };
      }
      return assessGeneric(obj);
    },
  };
}

/** The built-in rules by key, each kind's compiled on its first get(). */
function builtinRules(): { get(key: string): CompiledRule[] | undefined } {
  const compiled = new Map<string, CompiledRule[]>();
  return {
    get(key) {
      if (!Object.hasOwn(BUILTIN_HEALTH_RULES, key)) return undefined;
      let rules = compiled.get(key);
      if (!rules) {
        rules = compileKind(BUILTIN_HEALTH_RULES[key], `built-in health rules[${JSON.stringify(key)}]`);
        compiled.set(key, rules);
      }
      return rules;
    },
  };
}

function compileRuleMap(value: unknown, field: string): Map<string, CompiledRule[]> {
  if (!isPlainObject(value))
    throw new HealthRuleError(`${field}: must be a mapping of "plural.group" or "Kind.group" to rules`);
  const out = new Map<string, CompiledRule[]>();
  for (const [key, kindValue] of Object.entries(value)) {
    const at = `${field}[${JSON.stringify(key)}]`;
    if (!KEY_PATTERN.test(key))
      throw new HealthRuleError(
        `${at}: the key must be "plural.group" or "Kind.group" (e.g. "certificates.cert-manager.io")`,
      );
    out.set(key, compileKind(kindValue, at));
  }
  return out;
}

function compileKind(value: unknown, at: string): CompiledRule[] {
  if (value === null) return [];
  if (!isPlainObject(value))
    throw new HealthRuleError(`${at}: must be a mapping with failed, inProgress, current`);
  for (const k of Object.keys(value)) {
    if (!(RULE_LISTS as readonly string[]).includes(k))
      throw new HealthRuleError(`${at}.${k}: unknown field (expected ${RULE_LISTS.join(", ")})`);
  }
  const rules: CompiledRule[] = [];
  for (const list of RULE_LISTS) {
    const items = value[list];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) throw new HealthRuleError(`${at}.${list}: must be a list of {when, reason}`);
    items.forEach((item, i) => {
      const here = `${at}.${list}[${i}]`;
      if (!isPlainObject(item)) throw new HealthRuleError(`${here}: must be a mapping {when, reason}`);
      for (const k of Object.keys(item)) {
        if (k !== "when" && k !== "reason")
          throw new HealthRuleError(`${here}.${k}: unknown field (expected when, reason)`);
      }
      if (typeof item.when !== "string" || item.when.trim() === "")
        throw new HealthRuleError(`${here}.when: must be a CEL expression (a non-empty string)`);
      if (
        typeof item.reason !== "string" ||
        !REASON_PATTERN.test(item.reason) ||
        item.reason.length > MAX_REASON
      )
        throw new HealthRuleError(
          `${here}.reason: must be a short label (1-${MAX_REASON} characters: letters, digits, spaces and .,:=()/_<>!+-), got ${JSON.stringify(item.reason)}`,
        );
      let expr: CompiledExpression;
      try {
        expr = compileExpression(item.when);
      } catch (err) {
        throw new HealthRuleError(`${here}.when: ${(err as Error).message} (expression: ${item.when})`);
      }
      rules.push({ state: LIST_STATE[list], reason: item.reason, expr, source: `${list}[${i}]` });
    });
  }
  return rules;
}

export { assessGeneric } from "./generic.ts";
