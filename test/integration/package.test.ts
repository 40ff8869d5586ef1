// The container image's runtime layout, reproduced without Docker: the files the Dockerfile's
// build stage copies from the repository, its build step (the bundle), `npm pack`, the tarball unpacked and
// given its production dependencies only (`npm ci --omit=dev` from the lockfile), then the
// Dockerfile's ENTRYPOINT script run from there on the examples and scraped. A runtime
// dependency declared as a dev one, a file missing from package.json "files", or code that
// writes next to itself (the pod's root filesystem is read-only) fails here, not in a cluster.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { parseAllDocuments } from "yaml";
import { freePorts } from "../cluster/cluster.ts";
import { parseCopy, readDockerfile } from "../helpers/dockerfile.ts";
import { find } from "../helpers/exposition.ts";
import { scrape } from "../helpers/scrape.ts";
import { eventually } from "../helpers/wait.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
};
const dockerfile = readDockerfile(join(ROOT, "Dockerfile"));
const buildStage = dockerfile.stages[0]!;
const runtimeStage = dockerfile.stages.at(-1)!;
/** The runtime's WORKDIR (/app) and ENTRYPOINT script, mapped onto the temp folder. */
const IMAGE_APP_DIR = runtimeStage.instructions.filter((i) => i.keyword === "WORKDIR").at(-1)!.args;
const ENTRYPOINT = JSON.parse(
  runtimeStage.instructions.find((i) => i.keyword === "ENTRYPOINT")!.args,
) as string[];
/** ENTRYPOINT is [node, ...Node flags, script]: the flags run here as they run in the image. */
const NODE_FLAGS = ENTRYPOINT.slice(1, -1);

/** npm without the outer `npm test`'s npm_* settings leaking into it. */
function npm(args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return execFileSync("npm", args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Every file under dir with its size and mtime, to see whether a run wrote anything. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const s = statSync(path);
        out.set(relative(dir, path), `${s.size}:${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

interface Packed {
  filename: string;
  files: Array<{ path: string }>;
}

describe("package: the image's runtime layout without Docker", { timeout: 600_000 }, () => {
  let tmp: string;
  let app: string;
  let packed: Packed;
  /** The ENTRYPOINT's script in the unpacked app. */
  const SCRIPT = () => join(app, relative(IMAGE_APP_DIR, ENTRYPOINT.at(-1)!));

  /**
   * The packaged exporter started as the image starts it (ENTRYPOINT + the pod's args) on the
   * packaged examples, on loopback.
   */
  function spawnPackaged(port: number, telemetryPort: number, extra: string[] = []) {
    let text = "";
    const args = [
      "--from-files",
      join(app, "examples"),
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--telemetry-port",
      String(telemetryPort),
      ...extra,
    ];
    const child: ChildProcess = spawn(process.execPath, [...NODE_FLAGS, SCRIPT(), ...args], {
      cwd: app, // the image's WORKDIR
      // As in the pod: no kubeconfig, no home directory to write to.
      env: { PATH: process.env.PATH, NODE_ENV: "production", HOME: join(tmp, "no-home") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.stdout?.on("data", (d: Buffer) => {
      text += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      text += d.toString();
    });
    return { child, output: () => text, exited };
  }

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "cr-exporter-package-"));
    // The build stage's context: exactly what its COPY lines take from the repository.
    const context = join(tmp, "context");
    mkdirSync(context);
    for (const copy of buildStage.instructions.filter((i) => i.keyword === "COPY")) {
      const { from, sources } = parseCopy(copy.args);
      if (from !== undefined) continue;
      for (const source of sources) cpSync(join(ROOT, source), join(context, source), { recursive: true });
    }
    // Stands in for the stage's `npm ci`: the repository's node_modules come from the same lockfile.
    symlinkSync(join(ROOT, "node_modules"), join(context, "node_modules"), "dir");
    // The Dockerfile's build step, as written there (`node scripts/build.ts`), on this Node 24.
    const compile = buildStage.instructions
      .filter((i) => i.keyword === "RUN")
      .flatMap((i) => i.args.split("&&").map((c) => c.trim()))
      .find((c) => c.startsWith("node "));
    assert.ok(compile, "the Dockerfile's build stage runs the build script with node");
    execFileSync(process.execPath, compile.split(/\s+/).slice(1), { cwd: context, stdio: "pipe" });
    packed = (JSON.parse(npm(["pack", "--json", "--pack-destination", tmp], context)) as Packed[])[0]!;
    app = join(tmp, "app");
    mkdirSync(app);
    execFileSync("tar", ["-xzf", join(tmp, packed.filename), "-C", app, "--strip-components=1"]);
    cpSync(join(ROOT, "package-lock.json"), join(app, "package-lock.json"));
    npm(["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], app);
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("packs the compiled exporter and the examples, and no sources, tests or tooling", () => {
    const paths = packed.files.map((f) => f.path);
    assert.ok(paths.includes("package.json"));
    assert.ok(paths.includes("dist/main.js"), "the entry point");
    const examples = readdirSync(join(ROOT, "examples")).map((f) => `examples/${f}`);
    for (const example of examples) assert.ok(paths.includes(example), `${example} packed`);
    for (const path of paths) {
      assert.doesNotMatch(path, /^(src|test|bench|charts|node_modules|\.tools)\//, `${path} not packed`);
      assert.doesNotMatch(path, /\.ts$/, `${path}: TypeScript sources stay out`);
    }
  });

  it("installs every runtime dependency and nothing the lockfile marks dev-only", () => {
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean; optional?: boolean }>;
    };
    for (const dep of Object.keys(pkg.dependencies)) {
      assert.ok(existsSync(join(app, "node_modules", dep, "package.json")), `${dep} installed`);
    }
    let devOnly = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === "" || !path.startsWith("node_modules/")) continue;
      if (entry.dev) {
        devOnly++;
        assert.equal(existsSync(join(app, path)), false, `dev-only ${path} left out`);
      } else if (!entry.optional) {
        assert.ok(existsSync(join(app, path, "package.json")), `${path} installed`);
      }
    }
    assert.ok(devOnly > 0, "the lockfile has dev-only packages (typescript, biome, node, …)");
    assert.equal(existsSync(join(app, "node_modules", "typescript")), false);
  });

  it("prints its flags with --help", () => {
    const help = execFileSync(process.execPath, [...NODE_FLAGS, SCRIPT(), "--help"], {
      cwd: app,
      encoding: "utf8",
    });
    assert.match(help, /Usage: cr-exporter/);
    assert.match(help, /--from-files/);
  });

  it("serves the examples' metrics, probes and self-metrics, writes nothing, and exits 0 on SIGTERM", async () => {
    const [port, telemetryPort] = (await freePorts(2)) as [number, number];
    const before = snapshot(app);
    const { child, output, exited } = spawnPackaged(port, telemetryPort);
    try {
      await eventually(
        "the packaged exporter ready",
        async () => {
          if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output()}`);
          return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
        },
        30_000,
      );
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);

      const metrics = await scrape(port);
      assert.equal(metrics.status, 200);
      const objects = readdirSync(join(app, "examples"))
        .flatMap((f) => parseAllDocuments(readFileSync(join(app, "examples", f), "utf8")))
        .map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } })
        .filter((o) => o && o.kind !== "CustomResourceDefinition");
      assert.ok(objects.length > 0);
      for (const o of objects) {
        const match = { kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace ?? "" };
        assert.equal(
          find(metrics.parsed, "cr_info", match).length,
          1,
          `cr_info for ${JSON.stringify(match)}`,
        );
      }

      const self = await scrape(telemetryPort);
      assert.equal(self.status, 200);
      const build = find(self.parsed, "cr_exporter_build_info");
      assert.equal(build.length, 1);
      assert.equal(build[0]!.labels.version, pkg.version, "version read from the packed package.json");
      assert.equal(build[0]!.value, 1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      assert.equal(code, 0, `SIGTERM handled: clean exit\n${output().slice(-2000)}`);
    }
    assert.deepEqual(snapshot(app), before, "nothing written under the install folder (read-only root fs)");
  });

  it("checks basic-auth passwords in the bundled bcrypt worker thread (dist/bcrypt-worker.js)", async () => {
    const [port, telemetryPort] = (await freePorts(2)) as [number, number];
    const webConfig = join(tmp, "web.yml");
    writeFileSync(webConfig, `basic_auth_users:\n  prometheus: "${bcrypt.hashSync("s3cret", 4)}"\n`);
    const { child, output, exited } = spawnPackaged(port, telemetryPort, ["--web-config-file", webConfig]);
    try {
      const url = `http://127.0.0.1:${port}/metrics`;
      const basic = (password: string) => ({
        authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString("base64")}`,
      });
      await eventually(
        "the packaged exporter serving",
        async () => {
          if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output()}`);
          return (await fetch(url)).status === 401;
        },
        30_000,
      );
      assert.equal((await fetch(url, { headers: basic("wrong") })).status, 401, output());
      const ok = await fetch(url, { headers: basic("s3cret") });
      assert.equal(ok.status, 200, output());
      assert.match(await ok.text(), /^cr_info\{/m);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });
});
