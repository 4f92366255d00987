/**
 * A `node:http` server on loopback that answers each request with the next step of a
 * script, and records what each request carried: how a client behaves when a server
 * ends cleanly, cuts a socket mid-event, stalls, or answers with an error status.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What one request carried, and when it came. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** ms since the server started. */
  at: number;
  /** Resolves when the request's connection closes. */
  closed: Promise<void>;
}

/** One answer: writes to `res` as it likes (it may never end, or destroy the socket). */
export type Step = (res: ServerResponse, req: IncomingMessage) => void;

export interface ScriptServer {
  url: URL;
  seen: Seen[];
  close(): Promise<void>;
}

/** SSE headers and the given text, then a clean end. */
export const sse =
  (text: string, end = true): Step =>
  (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(text);
    if (end) res.end();
  };

/** SSE headers and the given text, then the socket destroyed (no clean end of the chunked body). */
export const cut =
  (text: string): Step =>
  (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(text, () => setTimeout(() => res.socket?.destroy(), 20));
  };

/** A status with headers and a short body. */
export const status =
  (code: number, headers: Record<string, string> = {}): Step =>
  (res) => {
    res.writeHead(code, { "content-type": "text/plain", ...headers });
    res.end(code === 204 ? undefined : `status ${code}\n`);
  };

/** The connection closed before any response: a network error for the client. */
export const drop: Step = (res) => res.socket?.destroy();

/** Starts a server on 127.0.0.1:0 that answers request n with `steps[n]` (the last step repeats). */
export async function scriptServer(steps: Step[]): Promise<ScriptServer> {
  const seen: Seen[] = [];
  const started = performance.now();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const closed = new Promise<void>((resolve) => res.on("close", () => resolve()));
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: performance.now() - started,
        closed,
      });
      const step = steps[Math.min(seen.length - 1, steps.length - 1)]!;
      step(res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/events`),
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
