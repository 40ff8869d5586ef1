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
import { createRequire, isBuiltin } from "node:module";
import { join, relative } from "node:path";
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

/**
 * Modules most start-ups never use, bundled behind a facade that loads the module when one of
 * its exports is first read. A bundled module runs its top-level code when its importer does,
 * used or not, and a CPU profile of a start-up at 1,000 objects showed these (docs/performance.md,
 * step 22):
 * - `socks-proxy-agent` and `socks` (with `ip-address`, `debug`, node:dns, node:tty): 15 ms,
 *   for a kubeconfig whose proxy-url is socks5://;
 * - `@marcbachmann/cel-js`: 17 ms, for health rules (built-in ones compile per kind present);
 * - `yaml`: about 15 ms, for config files and --from-files;
 * - `@opentelemetry/api`, which prom-client's CPU metric reads for exemplars only: 8 ms;
 * - zod's 40 locales (`z.locales`; English is imported on its own): 8 ms.
 * The facade's exports are the module's own, listed at build time with the same Node major the
 * image runs. Reading one from a module's top level (or `import *` then spreading it) loads the
 * module then, which is only a lost saving.
 */
const LAZY_PACKAGES = new Set([
  "socks-proxy-agent",
  "socks",
  "@marcbachmann/cel-js",
  "yaml",
  "@opentelemetry/api",
]);
const isLazy = (path: string, importer: string) =>
  LAZY_PACKAGES.has(path) ||
  (path === "../locales/index.js" && /\/zod\/v4\/(classic\/external|core\/index)\.js$/.test(importer));
const requireHere = createRequire(import.meta.url);

/**
 * CommonJS source of a facade for `real` (the module, read at build time): `exports[key]` loads
 * `load` on first read. `__esModule` is a plain value, since esbuild's interop reads it on import.
 */
function lazyFacade(load: string, real: object): string {
  const keys = Object.keys(real).filter((key) => key !== "__esModule");
  return [
    "let loaded;",
    `const real = () => (loaded ??= ${load});`,
    ...("__esModule" in real ? ['Object.defineProperty(exports, "__esModule", { value: true });'] : []),
    `for (const key of ${JSON.stringify(keys)})`,
    "  Object.defineProperty(exports, key, { enumerable: true, get: () => real()[key] });",
  ].join("\n");
}

const LAZY = Symbol("lazy");
const lazyModules: Plugin = {
  name: "lazy-modules",
  setup(b) {
    b.onResolve({ filter: /^[@.a-z]/ }, async (args) => {
      if (args.pluginData === LAZY || !isLazy(args.path, args.importer)) return undefined;
      const real = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: LAZY,
      });
      // Relative to the project, so the bundle does not depend on where it was built.
      return real.errors.length > 0 ? undefined : { path: relative(ROOT, real.path), namespace: "lazy" };
    });
    b.onLoad({ filter: /.*/, namespace: "lazy" }, (args) => ({
      // A path from the project's root resolves to the module itself, past this plugin.
      contents: lazyFacade(
        `require(${JSON.stringify(`./${args.path}`)})`,
        requireHere(join(ROOT, args.path)),
      ),
      loader: "js",
      resolveDir: ROOT,
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
  plugins: [slimClientNode, builtinsByRequire, lazyModules],
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
