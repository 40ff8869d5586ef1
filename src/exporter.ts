// The exporter: options → source (cluster or files) → mappers → store → HTTP; and the command
// line that starts it (src/main.ts, the entry point, calls main()).

import { readFileSync } from "node:fs";
import { autoMapperOptions } from "./config/mapping-options.ts";
import { helpText, loadOptions, type Options, OptionsError } from "./config/options.ts";
import { startConfigReload } from "./config/reload.ts";
import { settleHeapWhenReady } from "./heap-settle.ts";
import { close, type HttpOptions, listen, metricsApp, type Readiness, telemetryApp } from "./http/server.ts";
import { loadWebConfig } from "./http/web-config.ts";
import { KubeClient } from "./kube/client.ts";
import { KubeConfig } from "./kube/client-node.ts";
import { FilesController } from "./kube/file-kinds.ts";
import { KindsController } from "./kube/kinds.ts";
import { ownsUid } from "./kube/shard.ts";
import type { MapperBinding, Source, SourceOptions } from "./kube/source.ts";
import { createAutoMapper } from "./mapping/auto/index.ts";
import { createKsmMapper, type KsmConfig, KsmConfigError, parseKsmConfig } from "./mapping/ksm/index.ts";
import type { PipelineContext } from "./pipeline.ts";
import { MetricStore } from "./store/store.ts";
import { createLogger, type Logger, RateLimitedLog } from "./telemetry/log.ts";
import { createSelfMetrics } from "./telemetry/metrics.ts";

const VERSION = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** The mappers, each with what it reads: auto mode every kind, a ksm config its resources. */
function buildMappers(options: Options): MapperBinding[] {
  const mappers: MapperBinding[] = [];
  if (options.mode === "auto") {
    mappers.push({
      mapper: createAutoMapper(autoMapperOptions(options)),
    });
  }
  const ksm = loadKsmConfig(options);
  if (ksm) mappers.push({ mapper: createKsmMapper(ksm), resources: ksm.resources });
  return mappers;
}

/**
 * The CustomResourceStateMetrics config from --custom-resource-state-config-file or the inline
 * --custom-resource-state-config, parsed and validated once (a reload calls this again; a throw
 * there keeps the previous mappers).
 */
function loadKsmConfig(options: Options): KsmConfig | undefined {
  const file = options.customResourceStateConfigFile;
  const inline = options.customResourceStateConfig;
  if (file === undefined && inline === undefined) return undefined;
  const origin =
    file !== undefined ? `--custom-resource-state-config-file ${file}` : "--custom-resource-state-config";
  let text: string;
  try {
    text = file !== undefined ? readFileSync(file, "utf8") : (inline ?? "");
  } catch (err) {
    throw new OptionsError(`${origin}: cannot read: ${(err as Error).message}`);
  }
  try {
    return parseKsmConfig(text);
  } catch (err) {
    if (err instanceof KsmConfigError) throw new OptionsError(`${origin}: ${err.message}`);
    throw err;
  }
}

function loadKubeConfig(options: Options): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  if (options.context) kc.setCurrentContext(options.context);
  if (!kc.getCurrentCluster())
    throw new OptionsError(
      "no Kubernetes cluster configured: set --kubeconfig or $KUBECONFIG, run in a cluster, or use --from-files DIR",
    );
  return kc;
}

export interface Running {
  readonly port: number;
  readonly telemetryPort: number;
  stop(): Promise<void>;
}

function sourceOptions(options: Options): SourceOptions {
  return {
    selection: {
      includeGroups: options.includeGroups,
      excludeGroups: options.excludeGroups,
      includeKinds: options.includeKinds,
      excludeKinds: options.excludeKinds,
    },
    crdLabelSelector: options.crdLabelSelector,
    namespaces: options.namespaces,
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
    kindSelectors: options.kindSelectors,
    seriesLimitPerKind: options.seriesLimitPerKind,
    listWatch: {
      pageSize: options.listPageSize,
      watchTimeoutSeconds: options.watchTimeout,
      idleTimeoutMs: options.watchIdleTimeout * 1000,
      backoffBaseMs: 1000,
      backoffCapMs: options.backoffMax * 1000,
      requestTimeoutMs: options.requestTimeout * 1000,
    },
  };
}

/** /readyz from the source: one line per status entry, its reason after the state. */
function readinessOf(source: Source, ready: () => boolean): Readiness {
  return {
    ready,
    detail: () =>
      source.status().map((s) => ({
        kind: s.key,
        synced: s.state === "synced",
        forbidden: s.state === "forbidden",
        state: s.detail === undefined ? s.state : `${s.state}: ${s.detail}`,
      })),
  };
}

/**
 * Start the exporter with resolved options. `argv`/`env` are what the options came from, so a
 * change of the --config file (or the CRS config file) can be reloaded from the same sources.
 */
export async function startExporter(
  options: Options,
  log: Logger,
  argv: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<Running> {
  const metrics = createSelfMetrics(VERSION);
  const store = new MetricStore();
  const mappers = buildMappers(options);
  const ctx: PipelineContext = {
    metrics,
    warnings: new RateLimitedLog(log),
    owns: (uid) => ownsUid(uid, options.shard, options.totalShards),
  };
  const source: Source = options.fromFiles
    ? new FilesController(options.fromFiles, mappers, store, ctx, log, sourceOptions(options))
    : new KindsController(
        new KubeClient(loadKubeConfig(options)),
        mappers,
        store,
        ctx,
        log,
        sourceOptions(options),
      );
  source.start();
  // Reloads of the config files apply each changed setting by its policy (config/options.ts);
  // a throw here (e.g. a bad CRS config) keeps the previous settings and counts a failed reload.
  const stopWatching = startConfigReload(options, argv, env, {
    log,
    metrics,
    apply: (next, remap) => source.reconfigure(remap ? buildMappers(next) : undefined, sourceOptions(next)),
  });

  // Return the heap the first LISTs grew (heap-settle.ts): before /readyz first answers ready.
  const settling = settleHeapWhenReady(
    () => source.ready(),
    ({ committedBefore, committedAfter, majorGcs, timedOut, fullGc }) =>
      log.info(
        {
          heapCommittedMiB: { before: mib(committedBefore), after: mib(committedAfter) },
          majorGcs,
          timedOut,
        },
        fullGc
          ? "initial sync done: one full GC before reporting ready (heap too large for V8's memory reducer)"
          : "initial sync done: V8's memory reducer ran",
      ),
  );
  const webConfig = options.webConfigFile ? loadWebConfig(options.webConfigFile) : undefined;
  const http: HttpOptions = { webConfig, maxConcurrentScrapes: options.maxConcurrentScrapes, log };
  const onTlsReload = (err?: Error) =>
    err
      ? log.error({ err: err.message }, "TLS certificate reload failed; keeping the previous one")
      : log.info("TLS certificate reloaded");
  const main = await listen(
    metricsApp(store, readinessOf(source, settling.ready), metrics, http),
    options.host,
    options.port,
    webConfig,
    onTlsReload,
  );
  const telemetry = await listen(
    telemetryApp(metrics.registry, http),
    options.host,
    options.telemetryPort,
    webConfig,
  );
  log.info(
    { port: main.port, telemetryPort: telemetry.port, version: VERSION, mode: options.mode },
    "serving",
  );
  return {
    port: main.port,
    telemetryPort: telemetry.port,
    async stop() {
      stopWatching();
      settling.stop();
      await source.stop();
      await Promise.all([close(main.server), close(telemetry.server)]);
    },
  };
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

/** `cr-exporter explain ...`: what the auto mapper will export (src/explain/); exit 2 on usage errors. */
async function explainCommand(argv: readonly string[]): Promise<void> {
  const { runExplain } = await import("./explain/cli.ts");
  try {
    console.log(await runExplain(argv, process.env));
  } catch (err) {
    const usage = err instanceof OptionsError;
    console.error(
      `cr-exporter explain: ${(err as Error).message}${usage ? "\nRun cr-exporter explain --help for its flags." : ""}`,
    );
    process.exitCode = usage ? 2 : 1;
  }
}

/** The command line: `cr-exporter [flags]`, `cr-exporter explain ...`, `--help` (src/main.ts runs it). */
export async function main(): Promise<void> {
  if (process.argv[2] === "explain") return explainCommand(process.argv.slice(3));
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(
      `${helpText()}\n\nSubcommand: cr-exporter explain --help (what will be exported for each CRD, and why).`,
    );
    return;
  }
  let options: Options;
  try {
    options = loadOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`cr-exporter: ${(err as Error).message}\nRun with --help for the list of flags.`);
    process.exit(2);
  }
  const log = createLogger(options.logLevel);
  let running: Running;
  try {
    running = await startExporter(options, log, process.argv.slice(2), process.env);
  } catch (err) {
    // A setting found wrong only while starting (e.g. the CRS config's content) is a usage error too.
    if (err instanceof OptionsError) {
      console.error(`cr-exporter: ${err.message}\nRun with --help for the list of flags.`);
      process.exit(2);
    }
    log.fatal({ err: (err as Error).message }, "cannot start");
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void running.stop().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
