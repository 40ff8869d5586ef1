// Prometheus' own text parser, via the pinned promtool: `check metrics --extended --lint=none`
// parses the whole body (and fails on any syntax error) without applying naming lints.

import { spawnSync } from "node:child_process";
import { toolPath } from "../cluster/cluster.ts";

export function promtoolParses(body: string): { ok: boolean; output: string } {
  const result = spawnSync(toolPath("promtool"), ["check", "metrics", "--extended", "--lint=none"], {
    input: body,
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}
