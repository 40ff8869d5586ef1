// A module resolution hook that makes the import client-node-slim.ts describes resolve to
// client-node-gen.ts. main.ts imports this module first and the exporter after it
// (dynamically), so the hook is in place before anything loads @kubernetes/client-node.

import { registerHooks } from "node:module";
import { isClientNodeGenIndex } from "./client-node-slim.ts";

// src/ runs as .ts (type stripping), dist/ as the compiled .js.
const SLIM_GEN = new URL(
  `./client-node-gen${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (isClientNodeGenIndex(specifier, context.parentURL))
      return { url: SLIM_GEN, format: "module", shortCircuit: true };
    return nextResolve(specifier, context);
  },
});
