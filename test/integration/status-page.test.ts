// The status page at `/` (src/http/status-page.ts) in a real headless browser (Debian's
// chromium): it renders behind the web config's basic auth, its numbers are those of /metrics,
// and an object named like markup stays text.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import bcrypt from "bcryptjs";
import { type RunningExporter, startBehindWebConfig } from "../helpers/exporter.ts";

const EXAMPLES = new URL("../../examples", import.meta.url).pathname;
const HOSTILE = `<b id="pwned">x</b><script>document.title="pwned"</script>`;
const CHROMIUM = process.env.CHROMIUM ?? "chromium";

/** Headless chromium on a fresh profile, nothing fetched but the page. */
async function chromium(args: string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), "chromium-profile-"));
  try {
    const { stdout } = await promisify(execFile)(
      CHROMIUM,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-quic",
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Sample lines of an exposition, by family name (the text before `{` or the space). */
function samples(text: string): string[] {
  return text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

/** The text content of the element whose data-id is `id`, as a number. */
function cell(dom: string, id: string): number {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/"/g, "&quot;");
  const m = new RegExp(`data-id="${escaped}">([^<]*)<`).exec(dom);
  assert.ok(m, `no element with data-id ${id}`);
  return Number(m[1]!.replace(/,/g, ""));
}

describe("status page at / in headless chromium", { timeout: 180_000 }, () => {
  let exporter: RunningExporter;
  const page = () => `http://prometheus:s3cret@127.0.0.1:${exporter.port}/`;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "status-page-"));
    for (const f of [
      "messagequeue-crd.yaml",
      "messagequeues.yaml",
      "certificate-crd.yaml",
      "certificates.yaml",
    ])
      copyFileSync(join(EXAMPLES, f), join(dir, f));
    writeFileSync(
      join(dir, "hostile.yaml"),
      JSON.stringify({
        apiVersion: "queue.example.com/v1",
        kind: "MessageQueue",
        metadata: { name: HOSTILE, namespace: "evil", uid: "00000000-0000-4000-8000-00000000beef" },
        status: { phase: "Ready", readyReplicas: 1 },
      }),
    );
    exporter = await startBehindWebConfig(
      dir,
      `basic_auth_users:\n  prometheus: "${bcrypt.hashSync("s3cret", 4)}"\n`,
      dir,
    );
  });
  after(async () => {
    await exporter?.stop();
  });

  it("needs the web config's credentials like /metrics", async () => {
    assert.equal((await fetch(`http://127.0.0.1:${exporter.port}/`)).status, 401);
  });

  it("renders, and its numbers are those of /metrics", async () => {
    const metrics = await (
      await fetch(`http://127.0.0.1:${exporter.port}/metrics`, {
        headers: { authorization: `Basic ${Buffer.from("prometheus:s3cret").toString("base64")}` },
      })
    ).text();
    const dom = await chromium(["--dump-dom", page()]);
    assert.match(dom, /<h1>cr-exporter<\/h1>/);
    assert.match(dom, /id="ready">ready</);
    const lines = samples(metrics);
    assert.equal(cell(dom, "total series"), lines.length);
    const count = (re: RegExp) => lines.filter((l) => re.test(l)).length;
    for (const [group, kind] of [
      ["queue.example.com", "MessageQueue"],
      ["pki.example.com", "Certificate"],
    ] as const) {
      const ofKind = new RegExp(`^cr_info\\{group="${group.replace(/\./g, "\\.")}",kind="${kind}",`);
      assert.equal(cell(dom, `objects ${group}/${kind}`), count(ofKind), `objects of ${kind}`);
      assert.equal(
        cell(dom, `series ${group}/${kind}`),
        count(new RegExp(`[{,]group="${group.replace(/\./g, "\\.")}",kind="${kind}"`)),
        `series of ${kind}`,
      );
      for (const state of ["Current", "Failed", "InProgress"]) {
        const verdicts = count(new RegExp(`^cr_health\\{.*kind="${kind}".*state="${state}"\\} 1$`));
        if (verdicts > 0) assert.equal(cell(dom, `health ${kind} ${state}`), verdicts, `${kind} ${state}`);
      }
    }
    for (const family of ["cr_info", "cr_health", "cr_status_condition"]) {
      assert.equal(cell(dom, `family ${family}`), count(new RegExp(`^${family}\\{`)), family);
    }
  });

  it("shows a hostile object name as text, never as markup", async () => {
    const dom = await chromium(["--dump-dom", page()]);
    assert.ok(!dom.includes('<b id="pwned">'), "the name became an element");
    assert.ok(!/<title>pwned<\/title>/.test(dom), "a script from the name ran");
    assert.match(dom, /<title>cr-exporter<\/title>/);
    assert.ok(
      dom.includes('evil/&lt;b id="pwned"&gt;x&lt;/b&gt;&lt;script&gt;'),
      "the name is shown, escaped",
    );
    // The raw page, too: no byte of the name unescaped.
    const raw = await (
      await fetch(`http://127.0.0.1:${exporter.port}/`, {
        headers: { authorization: `Basic ${Buffer.from("prometheus:s3cret").toString("base64")}` },
      })
    ).text();
    assert.ok(!raw.includes("<b id=") && !raw.includes("<script>"));
  });
});
