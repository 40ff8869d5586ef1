// The web config file of the Prometheus exporter-toolkit (--web-config-file), which users of
// node_exporter & co already write: TLS (cert/key, client CA, versions) and basic-auth users with
// bcrypt hashes. One extension, documented in docs/operations.md: bearer tokens from a file.

import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { SecureVersion } from "node:tls";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { BcryptPool } from "./bcrypt-pool.ts";

const TLS_VERSIONS = ["TLS10", "TLS11", "TLS12", "TLS13"] as const;
const tlsVersion = z.enum(TLS_VERSIONS);

/**
 * A whole bcrypt hash: `$2a$`, `$2b$` or `$2y$`, a two-digit cost 04–31, `$`, then 22 characters
 * of salt and 31 of hash in bcrypt's base64. A truncated hash would make every login fail.
 */
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

const webConfigSchema = z
  .object({
    tls_server_config: z
      .object({
        cert_file: z.string().min(1),
        key_file: z.string().min(1),
        client_auth_type: z
          .enum([
            "NoClientCert",
            "RequestClientCert",
            "RequireAnyClientCert",
            "VerifyClientCertIfGiven",
            "RequireAndVerifyClientCert",
          ])
          .default("NoClientCert"),
        client_ca_file: z.string().optional(),
        min_version: tlsVersion.default("TLS12"),
        max_version: tlsVersion.default("TLS13"),
      })
      .strict()
      .optional(),
    http_server_config: z
      .object({ http2: z.boolean().optional(), headers: z.record(z.string(), z.string()).optional() })
      .strict()
      .optional(),
    basic_auth_users: z
      .record(
        z.string(),
        z
          .string()
          .regex(
            BCRYPT_HASH,
            "must be a whole bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31, 53 more characters)",
          ),
      )
      .optional(),
    /** Extension: a file with one accepted bearer token per line. */
    bearer_auth_tokens_file: z.string().optional(),
  })
  .strict();

export type WebConfig = z.infer<typeof webConfigSchema>;

export class WebConfigError extends Error {
  override name = "WebConfigError";
}

export function loadWebConfig(path: string): WebConfig {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, "utf8")) ?? {};
  } catch (err) {
    throw new WebConfigError(`web config ${path}: ${(err as Error).message}`);
  }
  const result = webConfigSchema.safeParse(doc);
  if (!result.success) {
    const problems = result.error.issues.map((i) =>
      i.code === "unrecognized_keys"
        ? `unknown field(s) ${i.keys.join(", ")} at ${i.path.join(".") || "top level"}`
        : `${i.path.join(".")}: ${i.message}`,
    );
    throw new WebConfigError(`web config ${path}: ${problems.join("; ")}`);
  }
  const tls = result.data.tls_server_config;
  if (tls && TLS_VERSIONS.indexOf(tls.min_version) > TLS_VERSIONS.indexOf(tls.max_version)) {
    throw new WebConfigError(
      `web config ${path}: tls_server_config.min_version ${tls.min_version} is greater than tls_server_config.max_version ${tls.max_version} (every TLS handshake would fail)`,
    );
  }
  if (
    tls &&
    tls.client_auth_type !== "NoClientCert" &&
    tls.client_auth_type !== "RequestClientCert" &&
    !tls.client_ca_file
  ) {
    if (tls.client_auth_type !== "RequireAnyClientCert") {
      throw new WebConfigError(
        `web config ${path}: tls_server_config.client_ca_file is required for ${tls.client_auth_type}`,
      );
    }
  }
  return result.data;
}

const TLS_VERSION: Record<string, SecureVersion> = {
  TLS10: "TLSv1",
  TLS11: "TLSv1.1",
  TLS12: "TLSv1.2",
  TLS13: "TLSv1.3",
};

/** node:tls server options for the config's TLS section (read from disk now). */
export function tlsOptions(config: WebConfig): Record<string, unknown> | undefined {
  const tls = config.tls_server_config;
  if (!tls) return undefined;
  return {
    cert: readFileSync(tls.cert_file),
    key: readFileSync(tls.key_file),
    ...(tls.client_ca_file ? { ca: readFileSync(tls.client_ca_file) } : {}),
    requestCert: tls.client_auth_type !== "NoClientCert",
    // Node verifies against `ca` when rejectUnauthorized is set; "any cert" modes check presence only.
    rejectUnauthorized: tls.client_auth_type === "RequireAndVerifyClientCert",
    minVersion: TLS_VERSION[tls.min_version],
    maxVersion: TLS_VERSION[tls.max_version],
  };
}

const sha256 = (s: string) => createHash("sha256").update(s).digest();

/** What an Authorization header earns: in, out, or "busy" (not verified: too many verifications in flight). */
export type AuthResult = "ok" | "denied" | "busy";

export interface AuthOptions {
  /** bcrypt verifications running or queued at once; more are answered "busy" unverified. */
  readonly maxInFlight?: number;
  /** The same, per client address (a single attacker cannot take every place). */
  readonly maxInFlightPerClient?: number;
  /** Remembered verification results: successes for `okTtlMs`, failures for `deniedTtlMs`. */
  readonly cacheSize?: number;
  readonly okTtlMs?: number;
  readonly deniedTtlMs?: number;
  /** The bcrypt comparison; by default on a worker thread (bcrypt-pool.ts). */
  readonly compare?: (password: string, hash: string) => Promise<boolean>;
  /** Told of every outcome; `verified` when it cost a bcrypt comparison. */
  readonly observe?: (result: AuthResult, verified: boolean) => void;
  readonly now?: () => number;
}

/** Shared by every authenticator of the process: one worker thread does all bcrypt work. */
let sharedPool: BcryptPool | undefined;
const poolCompare = (password: string, hash: string) => {
  sharedPool ??= new BcryptPool(1);
  return sharedPool.compare(password, hash);
};

/**
 * A hash no password matches, at the given cost: unknown users are compared with it so they cost
 * the same bcrypt work as known ones (no telling users apart by the time of a 401).
 */
const dummyHash = (cost: string) => `$2b$${cost}$${"unknownuserunknownuser"}${".".repeat(31)}`;

/** A Map used as a bounded cache: oldest entries go first; entries expire. */
class ExpiringCache {
  private readonly entries = new Map<string, number>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  has(key: string, now: number): boolean {
    const expires = this.entries.get(key);
    if (expires === undefined) return false;
    if (expires > now) return true;
    this.entries.delete(key);
    return false;
  }
  add(key: string, expires: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, expires);
  }
}

/**
 * Checks an Authorization header against the config ("ok" when no auth is configured).
 *
 * bcrypt is slow by design; this keeps it from being a way to stall the exporter:
 * - comparisons run on a worker thread, never on the event loop;
 * - at most `maxInFlight` (4) run or wait at once, `maxInFlightPerClient` (1) per address; more
 *   are answered "busy" (429) at once without verifying;
 * - results are remembered by (user, SHA-256 of password and hash): a success for 10 minutes (a
 *   scrape every 15 s costs one bcrypt per 10 minutes), a failure for 1 minute (the same wrong
 *   password again costs nothing); identical checks in flight share one comparison;
 * - an unknown user is compared with a dummy hash of the highest configured cost, so it costs
 *   the same as a known user with a wrong password.
 */
export function createAuthenticator(
  config: WebConfig,
  options: AuthOptions = {},
): (authorization: string | undefined, client?: string) => Promise<AuthResult> {
  const users = config.basic_auth_users ?? {};
  const tokens = config.bearer_auth_tokens_file
    ? readFileSync(config.bearer_auth_tokens_file, "utf8")
        .split("\n")
        .map((t) => t.trim())
        .filter((t) => t !== "")
        .map(sha256)
    : [];
  const hashes = Object.values(users);
  if (hashes.length === 0 && tokens.length === 0) return async () => "ok";
  const maxInFlight = options.maxInFlight ?? 4;
  const maxPerClient = options.maxInFlightPerClient ?? 1;
  const okTtl = options.okTtlMs ?? 10 * 60_000;
  const deniedTtl = options.deniedTtlMs ?? 60_000;
  const compare = options.compare ?? poolCompare;
  const now = options.now ?? Date.now;
  const observe = options.observe ?? (() => {});
  const dummy = dummyHash(
    hashes
      .map((h) => h.slice(4, 6))
      .sort()
      .at(-1) ?? "10",
  );
  const okCache = new ExpiringCache(options.cacheSize ?? 256);
  const deniedCache = new ExpiringCache(options.cacheSize ?? 256);
  const inFlight = new Map<string, Promise<boolean>>();
  const perClient = new Map<string, number>();

  const verify = async (key: string, password: string, hash: string, client: string): Promise<boolean> => {
    perClient.set(client, (perClient.get(client) ?? 0) + 1);
    try {
      return await compare(password, hash);
    } finally {
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
      inFlight.delete(key);
    }
  };

  /** The outcome, and whether it cost a bcrypt comparison. */
  const basic = async (credentials: string, client: string): Promise<[AuthResult, boolean]> => {
    const decoded = Buffer.from(credentials, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return ["denied", false];
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const known = Object.hasOwn(users, user);
    const hash = known ? users[user]! : dummy;
    const key = sha256(`${user}\u0000${password}\u0000${hash}`).toString("hex");
    const at = now();
    if (okCache.has(key, at)) return ["ok", false];
    if (deniedCache.has(key, at)) return ["denied", false];
    let running = inFlight.get(key);
    let verified = false;
    if (!running) {
      if (inFlight.size >= maxInFlight || (perClient.get(client) ?? 0) >= maxPerClient)
        return ["busy", false];
      running = verify(key, password, hash, client);
      inFlight.set(key, running);
      verified = true;
    }
    const ok = (await running) && known;
    if (verified) {
      if (ok) okCache.add(key, now() + okTtl);
      else deniedCache.add(key, now() + deniedTtl);
    }
    return [ok ? "ok" : "denied", verified];
  };

  const check = async (authorization: string | undefined, client: string): Promise<[AuthResult, boolean]> => {
    if (!authorization) return ["denied", false];
    const [scheme = "", credentials = ""] = authorization.split(" ", 2);
    if (scheme.toLowerCase() === "bearer" && tokens.length > 0) {
      const digest = sha256(credentials);
      return [tokens.some((t) => timingSafeEqual(t, digest)) ? "ok" : "denied", false];
    }
    if (scheme.toLowerCase() === "basic" && hashes.length > 0) return basic(credentials, client);
    return ["denied", false];
  };

  return async (authorization, client = "") => {
    const [result, verified] = await check(authorization, client);
    observe(result, verified);
    return result;
  };
}

/**
 * Client-certificate rules node:tls cannot express alone: "any cert" (present, not verified) and
 * "verify if given" (absent is fine, present must chain to the client CA).
 */
export function clientCertAllowed(
  config: WebConfig,
  socket: { authorized?: boolean; getPeerCertificate?: () => object } | undefined,
): boolean {
  const mode = config.tls_server_config?.client_auth_type ?? "NoClientCert";
  if (mode === "NoClientCert" || mode === "RequestClientCert" || mode === "RequireAndVerifyClientCert")
    return true;
  const cert = socket?.getPeerCertificate?.();
  const present = cert !== undefined && Object.keys(cert).length > 0;
  if (mode === "RequireAnyClientCert") return present;
  return !present || socket?.authorized === true; // VerifyClientCertIfGiven
}
