// Hot reload of the config file (and the CRS config file): re-read on change, validate, and hand
// the caller the new settings with what changed; an invalid file keeps the old settings.

import { unwatchFile, watchFile } from "node:fs";
import { loadOptions, type Options } from "./options.ts";

/** Settings that only take effect at start-up (sockets, identity, source). */
export const RESTART_ONLY: ReadonlyArray<keyof Options> = [
  "port",
  "telemetryPort",
  "host",
  "kubeconfig",
  "context",
  "fromFiles",
  "webConfigFile",
  "config",
  "maxConcurrentScrapes",
];

export function changedKeys(a: Options, b: Options): Array<keyof Options> {
  return (Object.keys(b) as Array<keyof Options>).filter(
    (k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]),
  );
}

export interface ReloadHandlers {
  applied(next: Options, changed: Array<keyof Options>): void;
  failed(error: Error): void;
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
      try {
        const previous = current();
        const next = loadOptions(argv, env);
        const changed = changedKeys(previous, next);
        // The CRS config's path is unchanged when only its content changes.
        if (
          path === next.customResourceStateConfigFile &&
          !changed.includes("customResourceStateConfigFile")
        ) {
          changed.push("customResourceStateConfigFile");
        }
        handlers.applied(next, changed); // may throw (e.g. an invalid CRS config): nothing applied
      } catch (err) {
        handlers.failed(err as Error);
      }
    };
    watchFile(path, { interval: intervalMs, persistent: false }, onChange);
    return [path, onChange] as const;
  });
  return () => {
    for (const [path, onChange] of listeners) unwatchFile(path, onChange);
  };
}
