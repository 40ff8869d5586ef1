// The GitHub Actions workflows (.github/workflows): actionlint (built from its pinned Go module by
// test/tools/build.sh) finds nothing in them, and they do what the README's "Releases" section
// promises: CI runs the README's test command; a tag pushes a multi-arch image with provenance and
// an SBOM to exactly the chart's default image, and the chart to an OCI registry. They cannot run
// on this project's build machine (no Docker engine, no network beyond package registries), so
// what can be checked here is checked: their syntax and types, their properties, and the release's
// version guard (run with bash).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { toolPath } from "../cluster/cluster.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const WORKFLOWS = join(ROOT, ".github", "workflows");

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const load = (file: string) => parseYaml(readFileSync(join(WORKFLOWS, file), "utf8")) as Workflow;
const ci = load("ci.yml");
const release = load("release.yml");
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const action = (s: Step) => s.uses?.split("@")[0];
const stepsUsing = (w: Workflow, name: string) => steps(w).filter((s) => action(s) === name);

const values = parseYaml(readFileSync(join(ROOT, "charts/cr-exporter/values.yaml"), "utf8")) as {
  image: { registry: string; repository: string; tag: string };
};
const chart = parseYaml(readFileSync(join(ROOT, "charts/cr-exporter/Chart.yaml"), "utf8")) as {
  appVersion: string;
};
/** A GitHub Actions expression as written in a workflow: `${{ … }}`. */
const gh = (expression: string) => `\${{ ${expression} }}`;
const chartImage = [values.image.registry, values.image.repository].filter(Boolean).join("/");

/** actionlint with shellcheck and pyflakes off, so its verdict does not depend on what else is installed. */
function actionlint(paths: string[]): { status: number | null; output: string } {
  const r = spawnSync(toolPath("actionlint"), ["-no-color", "-shellcheck=", "-pyflakes=", ...paths], {
    encoding: "utf8",
    cwd: ROOT,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("GitHub Actions workflows", () => {
  it("actionlint finds nothing in any workflow", () => {
    assert.deepEqual(files.sort(), ["ci.yml", "release.yml"]);
    const r = actionlint(files.map((f) => join(WORKFLOWS, f)));
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output.trim(), "");
  });

  it("actionlint does check them: a misspelt input, an unknown job output and a bad runner are reported", () => {
    const dir = mkdtempSync(join(tmpdir(), "workflows-"));
    try {
      const text = readFileSync(join(WORKFLOWS, "release.yml"), "utf8");
      const broken = text
        .replace("provenance: true", "provenanse: true")
        .replace("needs.version.outputs.version", "needs.version.outputs.versoin")
        .replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04-typo");
      assert.notEqual(broken, text);
      const file = join(dir, "release.yml");
      writeFileSync(file, broken);
      const r = actionlint([file]);
      assert.equal(r.status, 1, r.output);
      assert.match(r.output, /provenanse/);
      assert.match(r.output, /versoin/);
      assert.match(r.output, /ubuntu-24\.04-typo/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every action is pinned to a version tag or a commit SHA", () => {
    for (const [name, w] of [
      ["ci.yml", ci],
      ["release.yml", release],
    ] as const)
      for (const s of steps(w).filter((s) => s.uses))
        assert.match(s.uses!, /^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, `${name}: ${s.uses}`);
  });

  it("ci: runs the README's test command (bash .ci/run) on push and pull request, with Go and the tools cached", () => {
    assert.ok("push" in ci.on && "pull_request" in ci.on, "push and pull_request");
    assert.ok(
      steps(ci).some((s) => s.run?.trim() === "bash .ci/run"),
      "a step runs bash .ci/run",
    );
    const ciRun = readFileSync(join(ROOT, ".ci/run"), "utf8");
    assert.match(ciRun, /^npm ci\b/m);
    assert.match(ciRun, /^npm test$/m);
    assert.equal(stepsUsing(ci, "actions/setup-go").length, 1, "Go for test/tools/build.sh");
    const cache = stepsUsing(ci, "actions/cache");
    assert.equal(cache.length, 1);
    assert.equal(cache[0]!.with?.path, ".tools");
    assert.match(String(cache[0]!.with?.key), /hashFiles\(.*test\/tools\/\*\/go\.sum/);
    assert.deepEqual(ci.permissions, { contents: "read" });
  });

  it("release: on a v* tag, a linux/amd64 + linux/arm64 image with provenance and SBOM, pushed to the chart's default image", () => {
    assert.deepEqual(Object.keys(release.on), ["push"]);
    assert.deepEqual(release.on.push, { tags: ["v*"] });
    assert.equal(release.env?.IMAGE, chartImage, "the workflow pushes what the chart deploys by default");
    assert.equal(values.image.tag, "", "the chart's tag defaults to its appVersion");

    const image = Object.values(release.jobs).find((j) =>
      j.steps.some((s) => action(s) === "docker/build-push-action"),
    );
    assert.ok(image, "a job builds with docker/build-push-action");
    const order = image.steps.map(action);
    for (const setup of ["docker/setup-qemu-action", "docker/setup-buildx-action", "docker/login-action"])
      assert.ok(
        order.indexOf(setup) >= 0 && order.indexOf(setup) < order.indexOf("docker/build-push-action"),
        `${setup} before the build`,
      );
    const login = image.steps.find((s) => action(s) === "docker/login-action")!;
    assert.equal(login.with?.registry, gh("env.REGISTRY"));
    assert.equal(release.env?.REGISTRY, values.image.registry);
    assert.equal(login.with?.password, gh("secrets.GITHUB_TOKEN"));
    assert.equal(image.permissions?.packages, "write");

    const build = image.steps.find((s) => action(s) === "docker/build-push-action")!.with!;
    assert.deepEqual(String(build.platforms).split(",").sort(), ["linux/amd64", "linux/arm64"]);
    assert.equal(build.push, true);
    assert.equal(build.provenance, true);
    assert.equal(build.sbom, true);
    assert.equal(build.tags, `${gh("env.IMAGE")}:${gh("needs.version.outputs.version")}`);
    assert.match(String(build["build-args"]), /^VERSION=\$\{\{ needs\.version\.outputs\.version \}\}$/m);
  });

  it("release: the chart is packaged and pushed to an OCI registry on the image's registry", () => {
    const repository = release.env?.CHART_REPOSITORY ?? "";
    assert.match(repository, new RegExp(`^oci://${values.image.registry}/`));
    assert.notEqual(
      repository.replace(/^oci:\/\//, ""),
      chartImage,
      "the chart does not overwrite the image",
    );
    const chartJob = Object.values(release.jobs).find((j) =>
      j.steps.some((s) => /helm"? push/.test(s.run ?? "")),
    );
    assert.ok(chartJob, "a job runs helm push");
    const script = chartJob.steps.map((s) => s.run ?? "").join("\n");
    assert.match(script, /helm"? package charts\/cr-exporter/);
    assert.match(script, /helm"? registry login "\$REGISTRY"/);
    assert.match(script, /helm"? push .*"\$CHART_REPOSITORY"/);
    assert.equal(chartJob.permissions?.packages, "write");
    const needs = [chartJob.needs ?? []].flat();
    assert.ok(needs.includes("image"), "the chart is published only once its image is");
  });

  it("release: the version guard accepts only the tag v<appVersion> (= package.json version)", () => {
    const job = release.jobs.version!;
    const guard = job.steps.find((s) => s.id === "version")!.run!;
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    assert.equal(pkg.version, chart.appVersion, "package.json and the chart agree");
    const dir = mkdtempSync(join(tmpdir(), "release-guard-"));
    try {
      const run = (tag: string) => {
        const output = join(dir, `${tag}.out`);
        writeFileSync(output, "");
        const r = spawnSync("bash", ["-eo", "pipefail", "-c", guard], {
          cwd: ROOT,
          encoding: "utf8",
          env: {
            ...process.env,
            PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
            GITHUB_REF_NAME: tag,
            GITHUB_OUTPUT: output,
          },
        });
        return { status: r.status, output: `${r.stdout}${r.stderr}`, outputs: readFileSync(output, "utf8") };
      };
      const good = run(`v${chart.appVersion}`);
      assert.equal(good.status, 0, good.output);
      assert.equal(good.outputs, `version=${chart.appVersion}\n`);
      for (const tag of [
        `v${chart.appVersion}.1`,
        "v9.9.9",
        chart.appVersion.replace(/\d+$/, (n) => `${+n + 1}`),
      ]) {
        const bad = run(tag);
        assert.equal(bad.status, 1, `${tag}: ${bad.output}`);
        assert.match(
          bad.output,
          new RegExp(`::error::tag ${tag.replace(/\./g, "\\.")}: expected v${chart.appVersion}`),
        );
        assert.equal(bad.outputs, "", `${tag}: no version output`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("README's Releases section names the image and the chart repository the workflow pushes", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.split(/^## /m).find((s) => s.startsWith("Releases"));
    assert.ok(section, "README has a Releases section");
    assert.ok(section.includes(chartImage), chartImage);
    assert.ok(section.includes(release.env!.CHART_REPOSITORY!), release.env!.CHART_REPOSITORY!);
    assert.match(section, /cannot run/i);
  });
});
