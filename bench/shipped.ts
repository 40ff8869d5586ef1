// What the container image runs, as a command for this machine: the runtime stage's ENTRYPOINT
// and ENV of the Dockerfile, with the image's paths mapped onto this checkout (/nodejs/bin/node
// → this Node, /app/dist/main.js → dist/main.js, built by the script the image's build stage
// runs, scripts/build.ts). The bench starts cr-exporter with this, so its figures are of what
// ships, Node flags included; test/integration/bench-smoke.test.ts checks the command line of
// the process the bench started against the Dockerfile.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const ROOT = new URL("..", import.meta.url).pathname;
export const DOCKERFILE = `${ROOT}Dockerfile`;

/** The image's Node and application directory (the distroless runtime, the build's /app). */
const IMAGE_NODE = "/nodejs/bin/node";
const IMAGE_APP = "/app/";

export interface ShippedCommand {
  /** The image's ENTRYPOINT, as written (for the record). */
  readonly entrypoint: readonly string[];
  /** The same with paths of this checkout: [node, ...nodeFlags, script]. */
  readonly command: string;
  readonly args: readonly string[];
  /** The runtime stage's ENV. */
  readonly env: Readonly<Record<string, string>>;
}

/** The runtime stage (after the last FROM) of a Dockerfile's text: its exec-form ENTRYPOINT and its ENV. */
export function runtimeStage(dockerfile: string): { entrypoint: string[]; env: Record<string, string> } {
  const lines = dockerfile.split("\n");
  const lastFrom = lines.findLastIndex((l) => /^FROM\s/i.test(l));
  if (lastFrom < 0) throw new Error("Dockerfile: no FROM line");
  let entrypoint: string[] | undefined;
  const env: Record<string, string> = {};
  for (const line of lines.slice(lastFrom + 1)) {
    const entry = /^ENTRYPOINT\s+(.*)$/i.exec(line);
    if (entry) {
      const parsed: unknown = JSON.parse(entry[1]!);
      if (!Array.isArray(parsed) || parsed.some((p) => typeof p !== "string"))
        throw new Error(`Dockerfile: ENTRYPOINT is not an exec-form list of strings: ${entry[1]}`);
      entrypoint = parsed as string[];
    }
    const envLine = /^ENV\s+(.*)$/i.exec(line);
    if (envLine) {
      for (const pair of envLine[1]!.trim().split(/\s+/)) {
        const eq = pair.indexOf("=");
        if (eq <= 0) throw new Error(`Dockerfile: ENV expects NAME=value pairs, got "${pair}"`);
        env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, "$1");
      }
    }
  }
  if (!entrypoint) throw new Error("Dockerfile: the runtime stage has no exec-form ENTRYPOINT");
  return { entrypoint, env };
}

/** The image's entrypoint mapped onto this checkout (see the file's comment). */
export function shippedCommand(dockerfile = readFileSync(DOCKERFILE, "utf8")): ShippedCommand {
  const { entrypoint, env } = runtimeStage(dockerfile);
  const [node, ...rest] = entrypoint;
  if (node !== IMAGE_NODE) throw new Error(`Dockerfile: ENTRYPOINT runs ${node}, expected ${IMAGE_NODE}`);
  const args = rest.map((a) => (a.startsWith(IMAGE_APP) ? ROOT + a.slice(IMAGE_APP.length) : a));
  return { entrypoint, command: process.execPath, args, env };
}

/** Build dist/ as the image's build stage does (node scripts/build.ts: the bundle). */
export function buildDist(): void {
  execFileSync(process.execPath, [`${ROOT}scripts/build.ts`], { stdio: "inherit" });
}
