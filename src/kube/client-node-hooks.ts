// Running from src/ (npm start, the tests): a module resolution hook that makes the imports
// client-node-slim.ts describes resolve to client-node-gen.ts and undici-slim.ts. main.ts imports this module
// first and the exporter after it (dynamically), so the hook is in place before anything loads
// @kubernetes/client-node. In dist/ (one bundle made by scripts/build.ts) the same import is
// resolved at build time, and nothing is left for this hook to resolve.

import { registerHooks } from "node:module";
import { isClientNodeGenIndex, isClientNodeUndici } from "./client-node-slim.ts";

const SLIM_GEN = new URL("./client-node-gen.ts", import.meta.url).href;
const SLIM_UNDICI = new URL("./undici-slim.ts", import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (isClientNodeGenIndex(specifier, context.parentURL))
      return { url: SLIM_GEN, format: "module", shortCircuit: true };
    if (isClientNodeUndici(specifier, context.parentURL))
      return { url: SLIM_UNDICI, format: "module-typescript", shortCircuit: true };
    return nextResolve(specifier, context);
  },
});
