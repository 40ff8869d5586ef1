// The Dockerfile's rules, checked without a Docker engine or hadolint: pinned bases (no
// `latest`), the project's pinned Node in the build, a shell-less non-root runtime, the build
// steps the package test reproduces, OCI labels that match package.json, and a build context
// (.dockerignore) that holds every file the Dockerfile copies and nothing it should not.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  dockerIgnored,
  type Instruction,
  parseCopy,
  readDockerfile,
  readDockerignore,
  type Stage,
} from "../helpers/dockerfile.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const dockerfile = readDockerfile(join(ROOT, "Dockerfile"));
const ignore = readDockerignore(join(ROOT, ".dockerignore"));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  license: string;
  engines: { node: string };
  devDependencies: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
};
const runtime = dockerfile.stages.at(-1)!;
const build = dockerfile.stages[0]!;

function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** image → { name, tag, digest } (registry ports like host:5000/x are not tags). */
function imageRef(image: string): { name: string; tag: string | undefined; digest: string | undefined } {
  const [withTag, digest] = image.split("@");
  const slash = withTag!.lastIndexOf("/");
  const colon = withTag!.lastIndexOf(":");
  if (colon > slash) return { name: withTag!.slice(0, colon), tag: withTag!.slice(colon + 1), digest };
  return { name: withTag!, tag: undefined, digest };
}

function labels(stage: Stage): Map<string, string> {
  const out = new Map<string, string>();
  for (const label of all(stage, "LABEL")) {
    for (const m of label.args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
      out.set(m[1]!, m[2]!.replace(/^"(.*)"$/, "$1"));
    }
  }
  return out;
}

describe("Dockerfile", () => {
  it("is multi-stage and every base image is pinned to a tag or digest, never latest", () => {
    assert.ok(dockerfile.stages.length >= 2, "a build stage and a runtime stage");
    for (const stage of dockerfile.stages) {
      if (dockerfile.stages.some((s) => s.name === stage.image)) continue; // FROM an earlier stage
      const ref = imageRef(stage.image);
      assert.doesNotMatch(stage.image, /\$/, `${stage.image}: every ARG in FROM has a default`);
      assert.ok(ref.tag || ref.digest, `${stage.image}: no tag (means latest)`);
      assert.notEqual(ref.tag, "latest", `${stage.image}: the latest tag moves under you`);
      if (ref.digest) assert.match(ref.digest, /^sha256:[a-f0-9]{64}$/, `${stage.image}: digest`);
    }
  });

  it("builds with the project's pinned Node (package.json devDependencies.node)", () => {
    const ref = imageRef(build.image);
    assert.equal(ref.name, "node", "the official node image");
    assert.ok(
      ref.tag?.startsWith(`${pkg.devDependencies.node}-`),
      `${build.image} is Node ${pkg.devDependencies.node}`,
    );
    assert.match(ref.tag!, /slim/, "a slim variant");
  });

  it("runs on a distroless Node 24 runtime: no shell, so no RUN and only exec-form commands", () => {
    const ref = imageRef(runtime.image);
    const major = /^>=(\d+)/.exec(pkg.engines.node)?.[1];
    assert.equal(ref.name, `gcr.io/distroless/nodejs${major}-debian12`, "distroless, the engines' major");
    assert.deepEqual(all(runtime, "RUN"), [], "a RUN needs a shell the runtime does not have");
    for (const keyword of ["ENTRYPOINT", "CMD"]) {
      for (const i of all(runtime, keyword)) {
        assert.ok(i.args.startsWith("["), `${keyword} at line ${i.line} in exec form (no /bin/sh -c)`);
      }
    }
  });

  it("starts node on dist/main.js, the package's bin, as the entrypoint, with V8 flags only before it", () => {
    const entrypoints = all(runtime, "ENTRYPOINT");
    assert.equal(entrypoints.length, 1);
    const argv = JSON.parse(entrypoints[0]!.args) as string[];
    const workdir = all(runtime, "WORKDIR").at(-1)?.args;
    assert.equal(argv[0], "/nodejs/bin/node", "the distroless image's node");
    assert.equal(argv.at(-1), `${workdir}/dist/main.js`, "the script comes last: the pod's args follow it");
    for (const flag of argv.slice(1, -1))
      assert.match(flag, /^--[a-z0-9-]+(=\S+)?$/, `${flag}: a Node/V8 flag`);
    const bin = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> }
    ).bin;
    assert.equal(`${workdir}/${bin[pkg.name]}`, argv.at(-1), "the same file as package.json bin");
    assert.deepEqual(all(runtime, "CMD"), [], "flags come from the pod spec, not a baked-in CMD");
  });

  it("runs as a numeric non-root user (runAsNonRoot can verify it) and sets no stop signal other than SIGTERM", () => {
    const users = all(runtime, "USER");
    assert.equal(users.length, 1, "one USER in the runtime stage");
    const [uid, gid] = users[0]!.args.split(":");
    assert.match(uid!, /^\d+$/, "numeric UID");
    assert.notEqual(Number(uid), 0, "not root");
    assert.equal(uid, "65534", "nobody, as the chart's securityContext");
    assert.equal(gid, "65534");
    const lastUser = runtime.instructions.findLastIndex((i) => i.keyword === "USER");
    const lastEntrypoint = runtime.instructions.findLastIndex((i) => i.keyword === "ENTRYPOINT");
    assert.ok(lastUser < lastEntrypoint, "USER before the entrypoint");
    for (const i of all(runtime, "STOPSIGNAL")) assert.equal(i.args, "SIGTERM");
  });

  it("has no HEALTHCHECK (Kubernetes probes /healthz and /readyz) and no ADD (COPY only)", () => {
    for (const stage of dockerfile.stages) {
      assert.deepEqual(all(stage, "HEALTHCHECK"), []);
      assert.deepEqual(all(stage, "ADD"), [], "ADD fetches URLs and unpacks archives implicitly");
    }
  });

  it("takes the steps the package test reproduces: npm ci, build, pack, production-only install", () => {
    const runs = all(build, "RUN")
      .map((i) => i.args)
      .join("\n");
    assert.match(
      runs,
      /\bnpm ci\b(?![^\n]*--omit=dev)/,
      "the build installs the full lockfile (esbuild is a dev one)",
    );
    const script = pkg.scripts.build ?? "";
    assert.match(script, /^node \S+$/, `the build script is one node script: ${script}`);
    assert.ok(runs.includes(script), `builds as package.json's build script does (${script})`);
    assert.match(runs, /\bnpm pack\b/, "the app is laid out as npm publishes it (package.json files)");
    assert.match(runs, /\bnpm ci --omit=dev\b/, "the runtime gets production dependencies only");
    const copies = all(runtime, "COPY").map((i) => parseCopy(i.args));
    assert.ok(
      copies.every((c) => c.from === build.name),
      "the runtime takes only the build stage's output, nothing from the context",
    );
  });

  it("labels the image with the OCI annotations, matching package.json", () => {
    const l = labels(runtime);
    for (const key of ["title", "description", "licenses", "version", "revision", "created"]) {
      assert.ok(l.has(`org.opencontainers.image.${key}`), `org.opencontainers.image.${key}`);
    }
    assert.equal(l.get("org.opencontainers.image.title"), pkg.name);
    assert.equal(l.get("org.opencontainers.image.licenses"), pkg.license);
    assert.equal(
      l.get("org.opencontainers.image.version"),
      pkg.version,
      "ARG VERSION defaults to package.json's",
    );
    assert.equal(l.get("org.opencontainers.image.base.name"), runtime.image);
  });

  it("exposes the exporter's two ports (object metrics 8080, telemetry 8081)", () => {
    const ports = all(runtime, "EXPOSE").flatMap((i) => i.args.split(/\s+/));
    assert.deepEqual(ports.sort(), ["8080", "8081"]);
  });

  it("copies only files that exist and that .dockerignore keeps in the build context", () => {
    const sources = dockerfile.stages.flatMap((s) =>
      all(s, "COPY")
        .map((i) => parseCopy(i.args))
        .filter((c) => c.from === undefined)
        .flatMap((c) => c.sources),
    );
    assert.ok(sources.length > 0);
    for (const source of sources) {
      assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
      assert.equal(dockerIgnored(source, ignore), false, `${source} is not excluded by .dockerignore`);
    }
    // Everything the build compiles must be in the context too.
    const buildScript = pkg.scripts.build?.split(" ")[1] ?? "";
    for (const path of ["package.json", "package-lock.json", "tsconfig.json", buildScript]) {
      assert.ok(sources.includes(path), `${path} copied`);
    }
    for (const path of pkg.files) {
      assert.ok(
        sources.some((s) => s.replace(/\/$/, "") === path.replace(/\/$/, "")) ||
          path.replace(/\/$/, "") === "dist",
        `${path} (package.json files) copied, or built (dist)`,
      );
    }
  });

  it("keeps local state, build output and repository tooling out of the build context", () => {
    for (const path of [
      ".git",
      "node_modules",
      "node_modules/hono/package.json",
      ".tools/bin/helm",
      "dist/main.js",
      "test/unit",
      "cr-exporter-0.1.0.tgz",
      ".env",
    ]) {
      assert.equal(dockerIgnored(path, ignore), true, `${path} excluded`);
    }
  });
});

describe("test Dockerfile reader", () => {
  it("applies .dockerignore patterns as the builder does: parents, globs, last match wins", () => {
    const patterns = ["node_modules", "*.tgz", "docs", "!docs/keep.md", "# comment", "/dist/"];
    assert.equal(dockerIgnored("node_modules/a/b.js", patterns), true);
    assert.equal(dockerIgnored("x-1.0.tgz", patterns), true);
    assert.equal(dockerIgnored("sub/x.tgz", patterns), false, "no ** : top level only");
    assert.equal(dockerIgnored("docs/other.md", patterns), true);
    assert.equal(dockerIgnored("docs/keep.md", patterns), false);
    assert.equal(dockerIgnored("dist/main.js", patterns), true);
    assert.equal(dockerIgnored("src/main.ts", patterns), false);
    assert.equal(dockerIgnored(".git/config", ["*"]), true, "* matches dotfiles (Go's filepath.Match)");
    assert.equal(dockerIgnored("src/a.ts", ["*", "!src/"]), false, "allowlist");
    assert.equal(dockerIgnored("a/b/c.log", ["**/*.log"]), true);
    assert.equal(dockerIgnored("c.log", ["**/*.log"]), true);
    assert.equal(dockerIgnored("clog", ["**/*.log"]), false);
  });

  it("reads COPY flags and JSON form", () => {
    assert.deepEqual(parseCopy("--from=build --chown=0:0 /app /app").from, "build");
    assert.deepEqual(parseCopy('["a b", "c", "/dest/"]').sources, ["a b", "c"]);
    assert.equal(parseCopy("src ./src").destination, "./src");
  });
});
