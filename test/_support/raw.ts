/**
 * Raw HTTP/1.x over one socket, for what fetch hides: pipelined requests (a desync shows
 * as a second response that is not the one asked for), hostile headers fetch refuses to
 * send, HTTP/1.0, and how the server ended the connection (a FIN or a reset).
 */
import { connect, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";

/**
 * A connection to `url`'s host and port: TLS for https (HTTP/1.1 offered by ALPN, the
 * certificate trusted through NODE_EXTRA_CA_CERTS, test/conformance/global-setup.ts).
 * `connected` runs once the connection (and its handshake) is up.
 */
export function openSocket(url: URL, connected: () => void): Socket {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  if (url.protocol === "https:") {
    return connectTls(
      { host, port, servername: host === "127.0.0.1" ? undefined : host, ALPNProtocols: ["http/1.1"] },
      connected,
    );
  }
  return connect({ host, port }, connected);
}

interface RawResponse {
  /** "HTTP/1.1 200 OK" */
  statusLine: string;
  status: number;
  headers: Map<string, string>;
  body: Buffer;
  /** The body ended as its framing says: all of Content-Length, the chunked terminator, or (close-delimited) a FIN. */
  complete: boolean;
}

export interface RawExchange {
  responses: RawResponse[];
  /** How the connection ended: the server's FIN, a reset, or still open when we gave up (or had read all we asked for). */
  ended: "fin" | "reset" | "open";
  /** ms from the first byte sent to the last response complete (or the end). */
  ms: number;
}

export interface RawOptions {
  /** Give up after this many ms. Default 5_000. */
  ms?: number;
}

/** Sends `requests` (raw text, latin1) back to back on one connection and parses what comes back. */
export function exchange(url: URL, requests: string | string[], options: RawOptions = {}): Promise<RawExchange> {
  const list = Array.isArray(requests) ? requests : [requests];
  const wanted = list.length; // one response per request; stop once all are complete
  const methods = list.map((text) => text.slice(0, text.indexOf(" "))); // so HEAD responses are read without a body
  return new Promise((resolve) => {
    const started = Date.now();
    const responses: RawResponse[] = [];
    let buffer = Buffer.alloc(0);
    let current: (RawResponse & { framing: Framing }) | undefined;
    let ended: RawExchange["ended"] = "open";
    let done = false;
    const socket = openSocket(url, () => socket.write(list.join(""), "latin1"));
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses, ended, ms: Date.now() - started });
    };
    const timer = setTimeout(finish, options.ms ?? 5_000);
    const parse = () => {
      for (;;) {
        if (!current) {
          const end = buffer.indexOf("\r\n\r\n");
          if (end === -1) return;
          const [statusLine = "", ...lines] = buffer.subarray(0, end).toString("latin1").split("\r\n");
          buffer = buffer.subarray(end + 4);
          const headers = new Map<string, string>();
          for (const line of lines) {
            const colon = line.indexOf(":");
            if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
          }
          const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
          if (status >= 100 && status < 200) continue; // interim
          const method = methods[responses.length] ?? "GET";
          const length = headers.get("content-length");
          const framing: Framing =
            method === "HEAD" || status === 204 || status === 304
              ? { kind: "none" }
              : /chunked/i.test(headers.get("transfer-encoding") ?? "")
                ? { kind: "chunked", left: -1 }
                : length !== undefined
                  ? { kind: "length", left: Number(length) }
                  : { kind: "close" };
          current = { statusLine, status, headers, body: Buffer.alloc(0), complete: false, framing };
        }
        if (!readBody(current)) return;
        const { framing: _, ...response } = current;
        responses.push(response);
        current = undefined;
        if (responses.length >= wanted) return finish();
      }
    };
    /** Takes body bytes from `buffer`; true once the response is complete. */
    const readBody = (response: RawResponse & { framing: Framing }): boolean => {
      const framing = response.framing;
      if (framing.kind === "none") {
        response.complete = true;
        return true;
      }
      if (framing.kind === "close") {
        response.body = Buffer.concat([response.body, buffer]);
        buffer = Buffer.alloc(0);
        return false; // complete only at a FIN
      }
      if (framing.kind === "length") {
        const piece = buffer.subarray(0, framing.left);
        response.body = Buffer.concat([response.body, piece]);
        buffer = buffer.subarray(piece.byteLength);
        framing.left -= piece.byteLength;
        response.complete = framing.left === 0;
        return response.complete;
      }
      for (;;) {
        if (framing.left === -1) {
          const lineEnd = buffer.indexOf("\r\n");
          if (lineEnd === -1) return false;
          const size = Number.parseInt(buffer.subarray(0, lineEnd).toString("latin1"), 16);
          if (size === 0) {
            const end = buffer.indexOf("\r\n\r\n", Math.max(0, lineEnd - 2));
            if (end === -1) return false;
            buffer = buffer.subarray(end + 4);
            response.complete = true;
            return true;
          }
          buffer = buffer.subarray(lineEnd + 2);
          framing.left = size;
        }
        if (buffer.byteLength < framing.left + 2) return false;
        response.body = Buffer.concat([response.body, buffer.subarray(0, framing.left)]);
        buffer = buffer.subarray(framing.left + 2);
        framing.left = -1;
      }
    };
    socket.on("data", (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      parse();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET") ended = "reset";
    });
    socket.on("end", () => {
      if (ended === "open") ended = "fin";
      if (current?.framing.kind === "close") {
        current.complete = true;
        const { framing: _, ...response } = current;
        responses.push(response);
        current = undefined;
      }
    });
    socket.on("close", () => {
      if (current) {
        const { framing: _, ...response } = current; // incomplete: the connection ended inside it
        responses.push(response);
        current = undefined;
      }
      finish();
    });
  });
}

type Framing = { kind: "none" } | { kind: "close" } | { kind: "length"; left: number } | { kind: "chunked"; left: number };

/** A GET (or `method`) request's raw text, with `headers` as given (no validation: they may be hostile). */
export function rawRequest(path: string, headers: Record<string, string> = {}, method = "GET", version = "1.1"): string {
  const lines = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  return `${method} ${path} HTTP/${version}\r\n${lines}\r\n`;
}
