/**
 * A self-signed certificate for 127.0.0.1 and localhost, made at run time with the
 * `openssl` command (Debian's `openssl` package): no key is checked in.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Certificate {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
  remove(): void;
}

/** Makes a P-256 key and a one-day self-signed certificate in a temporary directory. */
export function selfSigned(): Certificate {
  const dir = mkdtempSync(join(tmpdir(), "sluice-tls-"));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"]
        .concat(["-keyout", keyPath, "-out", certPath, "-subj", "/CN=localhost"])
        .concat(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]),
      { stdio: "pipe" },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      "Could not make a test certificate with openssl. Install it: apt-get install -y openssl " + `(${(error as Error).message})`,
    );
  }
  return {
    cert: readFileSync(certPath, "utf8"),
    key: readFileSync(keyPath, "utf8"),
    certPath,
    keyPath,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
