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

import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
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

/**
 * Node's built-in modules, where an ES module of the bundle imports them, loaded with require()
 * instead. An ES import of a built-in makes Node build that module's ES facade, which reads every
 * export, getters included, and some getters load whole subsystems the exporter never uses:
 * node:http's WebSocket loads Node's own undici, node:crypto's webcrypto its WebCrypto,
 * node:fs's ReadStream its streams (a CPU profile of the start-up: 84 ms in these getters,
 * 62 of them Node's undici; docs/performance.md, step 17). The named imports become reads of
 * the module object when used, as for any CommonJS module esbuild bundles.
 */
const builtinsByRequire: Plugin = {
  name: "builtins-by-require",
  setup(b) {
    b.onResolve({ filter: /^[a-z:_/0-9]+$/ }, (args) =>
      args.kind === "import-statement" && isBuiltin(args.path)
        ? { path: args.path, namespace: "builtin-by-require" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "builtin-by-require" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
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
  plugins: [slimClientNode, builtinsByRequire],
  sourcemap: "linked",
  // Third-party licence comments are kept, in one file next to the bundle.
  legalComments: "linked",
  logLevel: "warning",
});

// The bundles in pure ASCII: Node hands V8 an ASCII source as an external one-byte string
// (3.3 MB for main.js) but converts any other to two-byte UTF-16 (6.6 MB, held for the life of
// the process). esbuild already escapes strings and identifiers; what it leaves are comments
// (’ → … —) and a regex literal of cel-js (µs). \uXXXX means the same character in a string,
// a regex or a template, and in a comment nothing (docs/performance.md, step 14). The columns of
// such lines shift in the source map, which only matters for a comment's position.
for (const file of readdirSync(outdir).filter((f) => f.endsWith(".js"))) {
  const path = `${outdir}/${file}`;
  const text = readFileSync(path, "utf8");
  const ascii = text.replace(/\\?[\u0080-\uffff]/g, (c) => {
    // After a backslash the escape would read as a literal backslash and "u…": refuse, loudly.
    if (c[0] === "\\") throw new Error(`${file}: escaped non-ASCII character ${JSON.stringify(c)}`);
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  if (ascii !== text) writeFileSync(path, ascii);
}
