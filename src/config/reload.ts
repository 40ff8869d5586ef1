// Hot reload of the config file (and the CRS config file): re-read on change, validate, and
// apply what changed according to each setting's reload policy (options.ts: live / remap /
// restart). An invalid file, or one the source refuses, keeps the previous settings, is logged
// and counted.

import { unwatchFile, watchFile } from "node:fs";
import type { Logger } from "../telemetry/log.ts";
import type { SelfMetrics } from "../telemetry/metrics.ts";
import { loadOptions, type Options, RELOAD_POLICY } from "./options.ts";

export function changedKeys(a: Options, b: Options): Array<keyof Options> {
  return (Object.keys(b) as Array<keyof Options>).filter(
    (k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]),
  );
}

/** What a reload from `previous` to `next` does, by the settings' reload policies. */
export interface ReloadPlan {
  /** The settings to run with: `next`, with every restart-only setting kept at its running value. */
  readonly options: Options;
  /** Changed settings that take effect now. */
  readonly applied: Array<keyof Options>;
  /** Changed settings that take effect only after a restart. */
  readonly ignored: Array<keyof Options>;
  /** Whether the mappers must be rebuilt (a `remap` setting changed). */
  readonly remap: boolean;
}

export function planReload(
  previous: Options,
  next: Options,
  changed: Array<keyof Options> = changedKeys(previous, next),
): ReloadPlan {
  const ignored = changed.filter((k) => RELOAD_POLICY[k] === "restart");
  const applied = changed.filter((k) => RELOAD_POLICY[k] !== "restart");
  const options = { ...next, ...Object.fromEntries(ignored.map((k) => [k, previous[k]])) } as Options;
  return { options, applied, ignored, remap: applied.some((k) => RELOAD_POLICY[k] === "remap") };
}

export interface ReloadHandlers {
  applied(next: Options, changed: Array<keyof Options>): void;
  failed(error: Error): void;
}

export interface ReloadTargets {
  readonly log: Logger;
  readonly metrics: Pick<SelfMetrics, "configReloads" | "configLastReloadSuccess">;
  /**
   * Apply the settings to the running source; `remap` says the mappers must be rebuilt from
   * them. A throw (e.g. an invalid CRS config) means nothing was applied.
   */
  apply(options: Options, remap: boolean): void;
}

/**
 * The reload handlers over the running settings: apply what the policies allow, keep the
 * rest, count and log the outcome. `current()` is the running settings.
 */
export function reloadHandlers(
  initial: Options,
  targets: ReloadTargets,
): ReloadHandlers & { current(): Options } {
  let current = initial;
  const { log, metrics } = targets;
  metrics.configLastReloadSuccess.set(1);
  return {
    current: () => current,
    applied(next, changed) {
      const plan = planReload(current, next, changed);
      if (plan.applied.length > 0) targets.apply(plan.options, plan.remap); // a throw: failed()
      if (plan.options.logLevel !== current.logLevel) log.level = plan.options.logLevel;
      current = plan.options;
      metrics.configReloads.inc({ result: "success" });
      metrics.configLastReloadSuccess.set(1);
      log.info({ changed: plan.applied }, "config reloaded");
      if (plan.ignored.length > 0)
        log.warn({ settings: plan.ignored }, "these settings take effect only after a restart");
    },
    failed(err) {
      metrics.configReloads.inc({ result: "failure" });
      metrics.configLastReloadSuccess.set(0);
      log.error({ err: err.message }, "config reload failed; keeping the previous config");
    },
  };
}

/**
 * Watch `paths` (polling, so it works on ConfigMap symlink swaps too) and reload the settings
 * from the same argv/env when any changes. Returns a function that stops watching.
 */
export function watchConfig(
  paths: readonly string[],
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  current: () => Options,
  handlers: ReloadHandlers,
  intervalMs = 1000,
): () => void {
  const listeners = paths.map((path) => {
    const onChange = (now: { mtimeMs: number; ino: number }, before: { mtimeMs: number; ino: number }) => {
      if (now.mtimeMs === before.mtimeMs && now.ino === before.ino) return;
      reloadNow(path, argv, env, current, handlers);
    };
    watchFile(path, { interval: intervalMs, persistent: false }, onChange);
    return [path, onChange] as const;
  });
  return () => {
    for (const [path, onChange] of listeners) unwatchFile(path, onChange);
  };
}

/** One reload after `path` changed: a throw anywhere (settings, applying them) is a failed reload. */
export function reloadNow(
  path: string,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  current: () => Options,
  handlers: ReloadHandlers,
): void {
  try {
    const previous = current();
    const next = loadOptions(argv, env);
    const changed = changedKeys(previous, next);
    // The CRS config's path is unchanged when only its content changes.
    if (path === next.customResourceStateConfigFile && !changed.includes("customResourceStateConfigFile")) {
      changed.push("customResourceStateConfigFile");
    }
    handlers.applied(next, changed);
  } catch (err) {
    handlers.failed(err as Error);
  }
}

/**
 * Reload the settings whenever the --config file or the CRS config file changes, applying them
 * through `targets`. Returns a function that stops watching (a no-op when there is no file).
 */
export function startConfigReload(
  initial: Options,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  targets: ReloadTargets,
  intervalMs = 1000,
): () => void {
  const handlers = reloadHandlers(initial, targets);
  const paths = [initial.config, initial.customResourceStateConfigFile].filter((p) => p !== undefined);
  if (paths.length === 0) return () => {};
  return watchConfig(paths, argv, env, handlers.current, handlers, intervalMs);
}
