// Test certificates made with openssl: a self-signed certificate (a CA, or a server that is its
// own CA), and certificates signed by the `ca.crt`/`ca.key` in the same directory. Used by the
// test control plane (test/cluster/cluster.ts) and the endpoint-protection tests.

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

/** Valid for two days: longer than any test run, short enough to be obviously a test's. */
const DAYS = "2";

/** Runs openssl in `cwd`; its stderr goes into the error when it fails. */
export function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A new unencrypted 2048-bit RSA key written to `<name>.key`, as `openssl req` options. */
const newKey = (name: string) => ["-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`];

const files = (dir: string, name: string): KeyPair => ({
  cert: join(dir, `${name}.crt`),
  key: join(dir, `${name}.key`),
});

/** `<name>.crt`/`.key` in `dir`, self-signed for `subject` (`/CN=...`), with extra extensions. */
export function selfSignedCert(
  dir: string,
  name: string,
  subject: string,
  extensions: string[] = [],
): KeyPair {
  const req = ["req", "-x509", ...newKey(name), "-out", `${name}.crt`];
  openssl([...req, "-days", DAYS, "-subj", subject, ...extensions.flatMap((e) => ["-addext", e])], dir);
  return files(dir, name);
}

/** `<name>.crt`/`.key` in `dir` for `subject`, signed by `dir`'s `ca.crt`, with extra extensions. */
export function signedCert(dir: string, name: string, subject: string, extensions: string[] = []): KeyPair {
  openssl(["req", "-new", ...newKey(name), "-out", `${name}.csr`, "-subj", subject], dir);
  const x509 = ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"];
  const extfile: string[] = [];
  if (extensions.length > 0) {
    writeFileSync(join(dir, `${name}.ext`), `${extensions.join("\n")}\n`);
    extfile.push("-extfile", `${name}.ext`);
  }
  openssl([...x509, "-days", DAYS, ...extfile, "-out", `${name}.crt`], dir);
  return files(dir, name);
}
