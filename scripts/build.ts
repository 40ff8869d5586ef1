// `npm run build`: dist/main.js, what the package's bin and the container image run, as one
// ES module bundling src/main.ts with every module it imports (dependencies included), plus
// dist/bcrypt-worker.js, the worker thread bcrypt-pool.ts starts. Why one bundle: Node resolves,
// reads and compiles each ES module and package file on its own, and for the ~1,000 files the
// exporter loads that was most of its start-up: 0.85 s of CPU and 100 MiB of RSS for `--help`
// from tsc's per-file output, 0.42 s and 86 MiB bundled (docs/performance.md). Type checking is
// tsc's (npm run typecheck); this only strips types.
//
// Runs on plain Node 24 with no npm scripts (the Dockerfile's build stage runs
// `node scripts/build.ts`): esbuild's JavaScript API finds its platform binary among its
// optional dependencies without an install script.

import { rmSync } from "node:fs";
import { build, type Plugin } from "esbuild";
import { isClientNodeGenIndex, isClientNodeUndici } from "../src/kube/client-node-slim.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** client-node's generated-code index and undici index, resolved as src/kube/client-node-slim.ts says. */
const slimClientNode: Plugin = {
  name: "client-node-slim",
  setup(b) {
    b.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (args) =>
      isClientNodeGenIndex(args.path, args.importer)
        ? { path: `${ROOT}src/kube/client-node-gen.ts` }
        : undefined,
    );
    b.onResolve({ filter: /^undici$/ }, (args) =>
      isClientNodeUndici(args.path, args.importer) ? { path: `${ROOT}src/kube/undici-slim.ts` } : undefined,
    );
  },
};

// The bundled CommonJS dependencies (undici, prom-client, pino…) call require() for Node's
// built-in modules and may read __dirname; an ES module has neither, so the bundle defines them.
const PRELUDE = [
  'import { createRequire as __crCreateRequire } from "node:module";',
  'import { fileURLToPath as __crFileURLToPath } from "node:url";',
  "const require = __crCreateRequire(import.meta.url);",
  "const __filename = __crFileURLToPath(import.meta.url);",
  'const __dirname = __filename.slice(0, __filename.lastIndexOf("/"));',
].join("\n");

// Another output folder as the first argument (to compare builds); dist/ by default.
const outdir = process.argv[2] ?? `${ROOT}dist`;
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: { main: "src/main.ts", "bcrypt-worker": "src/http/bcrypt-worker.ts" },
  outdir,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  banner: { js: PRELUDE },
  plugins: [slimClientNode],
  sourcemap: "linked",
  // Third-party licence comments are kept, in one file next to the bundle.
  legalComments: "linked",
  logLevel: "warning",
});
