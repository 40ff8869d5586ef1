// Which import the exporter loads differently from how @kubernetes/client-node writes it: its
// config.js (KubeConfig) imports two factories from ./gen/index.js, and that index loads every
// generated API class and model, hundreds of modules the exporter never uses (~40 MiB of RSS,
// measured in docs/performance.md). That one import, from that one module, is resolved to
// client-node-gen.ts, which takes the same two names from the modules that define them. The
// bundle (scripts/build.ts) does it at build time; running from src/, client-node-hooks.ts does
// it at run time.
//
// The same goes for client-node's imports of undici's index ("undici", in config.js, watch.js
// and its fetch wrapper): they resolve to undici-slim.ts, the three names it uses from their own
// modules.

/** client-node's module that makes the import, as the end of its path or URL. */
const CONFIG_MODULE = "/@kubernetes/client-node/dist/config.js";
const GEN_INDEX = "./gen/index.js";

/** Whether `specifier`, imported by `importer` (a path or URL), is that import. */
export function isClientNodeGenIndex(specifier: string, importer: string | undefined): boolean {
  return specifier === GEN_INDEX && (importer?.endsWith(CONFIG_MODULE) ?? false);
}

const CLIENT_NODE_DIST = "/@kubernetes/client-node/dist/";

/** Whether `specifier`, imported by `importer`, is client-node importing undici's index. */
export function isClientNodeUndici(specifier: string, importer: string | undefined): boolean {
  return specifier === "undici" && (importer?.includes(CLIENT_NODE_DIST) ?? false);
}
