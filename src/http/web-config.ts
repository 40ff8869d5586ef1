// The web config file of the Prometheus exporter-toolkit (--web-config-file), which users of
// node_exporter & co already write: TLS (cert/key, client CA, versions) and basic-auth users with
// bcrypt hashes. One extension, documented in docs/operations.md: bearer tokens from a file.

import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { SecureVersion } from "node:tls";
import bcrypt from "bcryptjs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const tlsVersion = z.enum(["TLS10", "TLS11", "TLS12", "TLS13"]);

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
      .record(z.string(), z.string().regex(/^\$2[aby]?\$\d\d\$/, "must be a bcrypt hash"))
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

/**
 * Checks an Authorization header against the config. Returns true when no auth is configured.
 * bcrypt checks are slow by design, so a verified (user, password) pair is remembered (by hash)
 * for the process's life: a scrape every 15 s must not cost a bcrypt round each time.
 */
export function createAuthenticator(
  config: WebConfig,
): (authorization: string | undefined) => Promise<boolean> {
  const users = config.basic_auth_users ?? {};
  const tokens = config.bearer_auth_tokens_file
    ? readFileSync(config.bearer_auth_tokens_file, "utf8")
        .split("\n")
        .map((t) => t.trim())
        .filter((t) => t !== "")
        .map(sha256)
    : [];
  const hasUsers = Object.keys(users).length > 0;
  if (!hasUsers && tokens.length === 0) return async () => true;
  const verified = new Set<string>();
  return async (authorization) => {
    if (!authorization) return false;
    const [scheme = "", credentials = ""] = authorization.split(" ", 2);
    if (scheme.toLowerCase() === "bearer" && tokens.length > 0) {
      const digest = sha256(credentials);
      return tokens.some((t) => timingSafeEqual(t, digest));
    }
    if (scheme.toLowerCase() === "basic" && hasUsers) {
      const decoded = Buffer.from(credentials, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) return false;
      const user = decoded.slice(0, colon);
      const hash = users[user];
      if (hash === undefined) return false;
      const key = sha256(`${user}\u0000${decoded.slice(colon + 1)}\u0000${hash}`).toString("hex");
      if (verified.has(key)) return true;
      const ok = await bcrypt.compare(decoded.slice(colon + 1), hash);
      if (ok) verified.add(key);
      return ok;
    }
    return false;
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
