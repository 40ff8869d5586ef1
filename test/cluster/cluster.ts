// A real Kubernetes control plane for tests: etcd + kube-apiserver (built from pinned Go modules
// by test/tools/build.sh) on free loopback ports, with generated certificates and RBAC on.
// No controller-manager or scheduler: objects are stored and served, nothing reconciles them.
// `startCluster()` gives admin access; `mintUserKubeconfig()` a user bound to chosen rules.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig, RbacAuthorizationV1Api, type V1PolicyRule } from "@kubernetes/client-node";
import { Agent, fetch } from "undici";
import { type KeyPair, openssl, selfSignedCert, signedCert } from "../helpers/pki.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const BIN = join(ROOT, ".tools", "bin");

export interface Cluster {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly etcdUrl: string;
  readonly dir: string;
  kubeConfig(): KubeConfig;
  /** A kubeconfig for `user`, who may do exactly `rules` cluster-wide (or in `namespace`). */
  mintUserKubeconfig(user: string, rules: V1PolicyRule[], namespace?: string): Promise<string>;
  /** A kubeconfig that authenticates with a bearer token (e.g. a service account's). */
  tokenKubeconfig(token: string): string;
  /** kill -9 the API server and start it again on the same port and etcd. */
  restartApiserver(): Promise<void>;
  /**
   * Compact etcd to its current revision and restart the API server, so its watch cache starts
   * after every client's last resourceVersion: resuming a watch must then answer 410.
   */
  compactAndRestart(): Promise<void>;
  stop(): Promise<void>;
  readonly pids: () => { apiserver?: number; etcd?: number };
}

/** Build the binaries if missing (a fresh machine); later runs find them at once. */
export function ensureTools(...tools: string[]): void {
  const missing = tools.filter((t) => !existsSync(join(BIN, t)));
  if (missing.length === 0) return;
  process.stderr.write(`cluster: building ${missing.join(", ")} (first run; cached in .tools/)\n`);
  execFileSync(join(ROOT, "test/tools/build.sh"), missing, { stdio: ["ignore", "inherit", "inherit"] });
}

export function toolPath(tool: string): string {
  ensureTools(tool);
  return join(BIN, tool);
}

/**
 * `count` distinct free loopback ports. All are held open until every one is chosen: ports
 * taken one after another, each released before the next, can come back twice (it happened:
 * etcd and kube-apiserver were given the same port).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const srv = createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => resolve());
      });
    }
    return servers.map((srv) => {
      const address = srv.address();
      return typeof address === "object" && address ? address.port : 0;
    });
  } finally {
    await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  }
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/** A client certificate for `user` (CN) in `groups` (O), signed by the cluster CA. */
function clientCert(pki: string, name: string, user: string, groups: string[]): KeyPair {
  return signedCert(pki, name, `/CN=${user}${groups.map((g) => `/O=${g}`).join("")}`);
}

function generatePki(pki: string): void {
  mkdirSync(pki, { recursive: true });
  selfSignedCert(pki, "ca", "/CN=cr-exporter-test-ca");
  signedCert(pki, "serving", "/CN=127.0.0.1", [
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "extendedKeyUsage=serverAuth",
  ]);
  openssl(["genrsa", "-out", "sa.key", "2048"], pki);
  openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], pki);
}

function writeKubeconfig(path: string, server: string, ca: string, user: Record<string, string>): string {
  const kc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "test", cluster: { server, "certificate-authority": ca } }],
    users: [{ name: "user", user }],
    contexts: [{ name: "test", context: { cluster: "test", user: "user" } }],
    "current-context": "test",
  };
  writeFileSync(path, JSON.stringify(kc, null, 2));
  return path;
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  proc: ChildProcess,
  log: () => string,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null)
      throw new Error(`${what}: process exited with ${proc.exitCode}\n${log().slice(-4000)}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms\n${log().slice(-4000)}`);
}

function spawnLogged(bin: string, args: string[]): { proc: ChildProcess; log: () => string } {
  const proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const keep = (d: Buffer) => {
    text = (text + d.toString()).slice(-20_000);
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  return { proc, log: () => text };
}

async function kill(proc: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

export interface ClusterOptions {
  /** Extra kube-apiserver flags (e.g. a shorter --watch-cache-sizes). */
  readonly apiserverArgs?: readonly string[];
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const started = performance.now();
  ensureTools("kube-apiserver", "etcd");
  const dir = mkdtempSync(join(tmpdir(), "cr-exporter-cluster-"));
  const pki = join(dir, "pki");
  generatePki(pki);

  const [etcdPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcd = spawnLogged(join(BIN, "etcd"), [
    "--name=test",
    `--data-dir=${join(dir, "etcd")}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=test=http://127.0.0.1:${peerPort}`,
    "--unsafe-no-fsync=true",
    "--log-level=warn",
  ]);
  let etcdProc: ChildProcess | undefined = etcd.proc;
  let apiProc: ChildProcess | undefined;
  try {
    await waitFor("etcd", async () => (await fetch(`${etcdUrl}/health`)).ok, 30_000, etcd.proc, etcd.log);

    const server = `https://127.0.0.1:${apiPort}`;
    const adminCert = clientCert(pki, "admin", "admin", ["system:masters"]);
    const kubeconfigPath = writeKubeconfig(join(dir, "admin.kubeconfig"), server, join(pki, "ca.crt"), {
      "client-certificate": adminCert.cert,
      "client-key": adminCert.key,
    });
    const apiArgs = [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, "apiserver-certs")}`,
      `--tls-cert-file=${join(pki, "serving.crt")}`,
      `--tls-private-key-file=${join(pki, "serving.key")}`,
      `--client-ca-file=${join(pki, "ca.crt")}`,
      "--authorization-mode=RBAC",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${join(pki, "sa.pub")}`,
      `--service-account-signing-key-file=${join(pki, "sa.key")}`,
      "--service-cluster-ip-range=10.0.0.0/24",
      "--allow-privileged=true",
      "--enable-priority-and-fairness=false",
      // No loopback address may be published as the kubernetes Service endpoint.
      "--endpoint-reconciler-type=none",
      "--profiling=false",
      "--v=0",
      ...(options.apiserverArgs ?? []),
    ];
    const startApi = async () => {
      const api = spawnLogged(join(BIN, "kube-apiserver"), apiArgs);
      apiProc = api.proc;
      const tls = {
        ca: readFileSync(join(pki, "ca.crt")),
        cert: readFileSync(adminCert.cert),
        key: readFileSync(adminCert.key),
      };
      const dispatcher = new Agent({ connect: tls });
      const probe = async () => (await fetch(`${server}/readyz`, { dispatcher })).status === 200;
      try {
        await waitFor("kube-apiserver", probe, 60_000, api.proc, api.log);
      } finally {
        await dispatcher.close();
      }
    };
    await startApi();
    process.stderr.write(
      `cluster: control plane ready in ${((performance.now() - started) / 1000).toFixed(1)} s at ${server}\n`,
    );

    let users = 0;
    const cluster: Cluster = {
      server,
      kubeconfigPath,
      etcdUrl,
      dir,
      kubeConfig() {
        const kc = new KubeConfig();
        kc.loadFromFile(kubeconfigPath);
        return kc;
      },
      async mintUserKubeconfig(user, rules, namespace) {
        const rbac = cluster.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
        const name = `test-${user}-${++users}`;
        const subjects = [{ kind: "User", name: user, apiGroup: "rbac.authorization.k8s.io" }];
        if (namespace) {
          await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
          await rbac.createNamespacedRoleBinding({
            namespace,
            body: {
              metadata: { name },
              roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
              subjects,
            },
          });
        } else {
          await rbac.createClusterRole({ body: { metadata: { name }, rules } });
          await rbac.createClusterRoleBinding({
            body: {
              metadata: { name },
              roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
              subjects,
            },
          });
        }
        const cert = clientCert(pki, `user-${users}`, user, []);
        return writeKubeconfig(join(dir, `${name}.kubeconfig`), server, join(pki, "ca.crt"), {
          "client-certificate": cert.cert,
          "client-key": cert.key,
        });
      },
      tokenKubeconfig(token) {
        return writeKubeconfig(join(dir, `token-${++users}.kubeconfig`), server, join(pki, "ca.crt"), {
          token,
        });
      },
      async compactAndRestart() {
        const range = await (
          await fetch(`${etcdUrl}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: "AA==" }) })
        ).json();
        const revision = (range as { header: { revision: string } }).header.revision;
        const compacted = await fetch(`${etcdUrl}/v3/kv/compaction`, {
          method: "POST",
          body: JSON.stringify({ revision, physical: true }),
        });
        if (compacted.status !== 200) throw new Error(`etcd compaction answered ${compacted.status}`);
        await this.restartApiserver();
      },
      async restartApiserver() {
        await kill(apiProc, "SIGKILL");
        await startApi();
      },
      async stop() {
        await kill(apiProc);
        await kill(etcdProc);
        apiProc = undefined;
        etcdProc = undefined;
        rmSync(dir, { recursive: true, force: true });
      },
      pids: () => ({ apiserver: apiProc?.pid, etcd: etcdProc?.pid }),
    };
    return cluster;
  } catch (err) {
    await kill(apiProc, "SIGKILL");
    await kill(etcdProc, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
