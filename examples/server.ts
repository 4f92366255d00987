/**
 * What `npm start` runs: the demo on Node, on port 8000 (`PORT` to change).
 * Open the printed URL, or try `curl -N http://localhost:8000/sse`.
 *
 * Responses are compressed (`compress`: see the Network panel, `Content-Encoding`).
 * `npm start -- --tls` serves HTTPS with HTTP/2 and a self-signed certificate made at
 * start (openssl), so many streams share one connection; the browser will warn.
 *
 * With `REDIS_URL` set, the room and the answers are kept in that Redis, so several
 * instances share them: `REDIS_URL=redis://127.0.0.1:6379 npm start` and, in another
 * terminal, `REDIS_URL=redis://127.0.0.1:6379 PORT=8788 npm start`.
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compress, openFile, serve, type TlsOptions } from "../runtimes/node.ts";
import { runDemo } from "./start.ts";

await runDemo("Node", { serve, openFile, compress }, process.argv.includes("--tls") ? selfSigned() : undefined);

/** A one-day self-signed certificate for localhost, made with openssl (for the demo only). */
function selfSigned(): TlsOptions {
  const dir = mkdtempSync(join(tmpdir(), "sluice-demo-tls-"));
  const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"].concat([
      "-keyout",
      key,
      "-out",
      cert,
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ]),
    { stdio: "pipe" },
  );
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}
