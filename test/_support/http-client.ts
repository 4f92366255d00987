/**
 * A raw HTTP/1.1 client on `node:net` for the stress suite: one socket per request,
 * thousands at once for little memory, with the control that fetch hides: stop reading
 * (a stalled client), read at most N bytes per read (a slow reader), leave with a FIN or a
 * RST at any byte, and tell a truncated chunked body from a complete one.
 */
import { connect, type Socket } from "node:net";

/** How a response ended. */
export interface Outcome {
  /** 0 when no status line arrived. */
  status: number;
  /** The body ended as HTTP frames it: the chunked terminator, all of Content-Length, or a clean close. */
  complete: boolean;
  /** Body bytes received (chunk framing removed). */
  bytes: number;
  /** A socket error such as ECONNRESET, if one ended it. */
  error?: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Most bytes taken per read from the socket (default 64 KiB); 1024 makes a slow reader read slowly. */
  readSize?: number;
  /** Keep the body's bytes in `body` (default: only count them). */
  keepBody?: boolean;
  /** Called once the status line and headers have arrived. */
  onHead?: (client: HttpClient) => void;
  /** Each piece of body as it arrives; the view is only valid during the call. */
  onBody?: (piece: Uint8Array, client: HttpClient) => void;
}

const buffers = new Map<number, Buffer>();
/** One read buffer per size, shared by every socket: reads are handled one at a time, each copied out at once. */
function readBuffer(size: number): Buffer {
  let buffer = buffers.get(size);
  if (!buffer) {
    buffer = Buffer.alloc(size);
    buffers.set(size, buffer);
  }
  return buffer;
}

type Framing = { kind: "none" } | { kind: "length"; left: number } | { kind: "chunked" } | { kind: "close" };

export class HttpClient {
  status = 0;
  headers = new Map<string, string>();
  bytes = 0;
  complete = false;
  error: string | undefined;
  /** The body, with `keepBody`. */
  body: Buffer[] = [];
  readonly socket: Socket;
  readonly done: Promise<Outcome>;
  /** Date.now() when the headers arrived. */
  headAt = 0;
  readonly #options: RequestOptions;
  #head: Buffer | undefined = Buffer.alloc(0);
  #framing: Framing = { kind: "none" };
  /** Chunked decoding: "size" line, "data" (chunkLeft bytes), "crlf" after data, "trailer" lines. */
  #chunkState: "size" | "data" | "crlf" | "trailer" = "size";
  #line = "";
  #chunkLeft = 0;
  #paused = false;
  #resolve!: (outcome: Outcome) => void;

  constructor(url: URL, path: string, options: RequestOptions = {}) {
    this.#options = options;
    const method = options.method ?? "GET";
    const extra = Object.entries(options.headers ?? {})
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    const socket = connect({
      host: url.hostname,
      port: Number(url.port),
      onread: {
        buffer: readBuffer(options.readSize ?? 64 * 1024),
        callback: (length: number, buffer: Uint8Array) => {
          this.#feed(buffer.subarray(0, length));
          return !this.#paused;
        },
      },
    });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("connect", () =>
      socket.write(`${method} ${path} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: close\r\n${extra}\r\n`),
    );
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    socket.on("error", (error: NodeJS.ErrnoException) => (this.error ??= error.code ?? error.message));
    socket.on("end", () => {
      if (this.#framing.kind === "close" && this.error === undefined) this.complete = true;
    });
    socket.on("close", () => this.#finish());
  }

  /** Stops reading from the socket: the server's writes back up, as behind a stalled client. */
  pause(): void {
    this.#paused = true;
    this.socket.pause();
  }

  resume(): void {
    this.#paused = false;
    this.socket.resume();
  }

  /** Leaves with a FIN. */
  close(): void {
    this.socket.destroy();
  }

  /** Leaves with a RST, as a crashed client or a dropped network path does. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  /**
   * Settles `done`: at the close of the socket, or as soon as the response is complete
   * (workerd keeps a connection open for seconds after a complete response, even with
   * `connection: close`).
   */
  #finish(): void {
    const outcome: Outcome = { status: this.status, complete: this.complete, bytes: this.bytes };
    if (this.error !== undefined) outcome.error = this.error;
    this.#resolve(outcome);
    if (this.complete && !this.socket.destroyed) this.socket.destroy();
  }

  get text(): string {
    return Buffer.concat(this.body).toString("utf8");
  }

  #feed(data: Uint8Array): void {
    if (this.#head !== undefined) {
      const head = Buffer.concat([this.#head, data]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) {
        this.#head = head;
        return;
      }
      this.#head = undefined;
      this.#parseHead(head.subarray(0, end).toString("latin1"));
      data = head.subarray(end + 4);
      this.headAt = Date.now();
      this.#options.onHead?.(this);
    }
    if (data.byteLength > 0 && !this.complete) this.#body(data);
    if (this.complete) this.#finish();
  }

  #parseHead(head: string): void {
    const [statusLine = "", ...lines] = head.split("\r\n");
    this.status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon > 0) this.headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const length = this.headers.get("content-length");
    if (this.#options.method === "HEAD" || this.status < 200 || this.status === 204 || this.status === 304) {
      this.#framing = { kind: "none" };
      this.complete = true;
    } else if (/chunked/i.test(this.headers.get("transfer-encoding") ?? "")) {
      this.#framing = { kind: "chunked" };
    } else if (length !== undefined) {
      this.#framing = { kind: "length", left: Number(length) };
      if (Number(length) === 0) this.complete = true;
    } else {
      this.#framing = { kind: "close" };
    }
  }

  #deliver(piece: Uint8Array): void {
    if (piece.byteLength === 0) return;
    this.bytes += piece.byteLength;
    if (this.#options.keepBody) this.body.push(Buffer.from(piece));
    this.#options.onBody?.(piece, this);
  }

  #body(data: Uint8Array): void {
    const framing = this.#framing;
    if (framing.kind === "length") {
      const piece = data.subarray(0, framing.left);
      framing.left -= piece.byteLength;
      this.#deliver(piece);
      if (framing.left === 0) this.complete = true;
      return;
    }
    if (framing.kind !== "chunked") {
      this.#deliver(data);
      return;
    }
    let at = 0;
    while (at < data.byteLength && !this.complete) {
      switch (this.#chunkState) {
        case "data": {
          const piece = data.subarray(at, at + this.#chunkLeft);
          at += piece.byteLength;
          this.#chunkLeft -= piece.byteLength;
          this.#deliver(piece);
          if (this.#chunkLeft === 0) {
            this.#chunkState = "crlf";
            this.#line = "";
          }
          break;
        }
        case "crlf":
        case "size":
        case "trailer": {
          const byte = data[at++]!;
          if (byte !== 10) {
            this.#line += String.fromCharCode(byte);
            break;
          }
          const line = this.#line.replace(/\r$/, "");
          this.#line = "";
          if (this.#chunkState === "crlf") {
            this.#chunkState = "size";
          } else if (this.#chunkState === "size") {
            const size = Number.parseInt(line.split(";")[0]!.trim(), 16);
            if (Number.isNaN(size)) {
              this.error ??= `bad chunk size line ${JSON.stringify(line)}`;
              this.socket.destroy();
              return;
            }
            if (size === 0) this.#chunkState = "trailer";
            else {
              this.#chunkLeft = size;
              this.#chunkState = "data";
            }
          } else if (line === "") {
            this.complete = true; // the terminating chunk and an empty trailer
          }
          break;
        }
      }
    }
  }
}

/** Starts a request on its own socket. */
export function request(url: URL, path: string, options?: RequestOptions): HttpClient {
  return new HttpClient(url, path, options);
}

/** Runs `work` for 0..count-1, at most `concurrency` at once. */
export async function pool(count: number, concurrency: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await work(next++);
  });
  await Promise.all(lanes);
}

/** A small seeded generator (mulberry32), so a failing run can be replayed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export { median } from "../../tools/sections.ts";

export const MiB = 1024 * 1024;
export const KiB = 1024;

const TCP_STATES: Record<string, string> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "03": "SYN_RECV",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
  "0A": "LISTEN",
  "0B": "CLOSING",
};

/**
 * The server's side of its connections on `port` (only those from the client ports in
 * `clients`, if given), counted by TCP state, from the kernel's table (/proc/net/tcp,
 * Linux). ESTABLISHED ones are those the server still holds open, whatever the client has
 * or has not read yet.
 */
export async function serverSockets(port: number, clients?: Set<number>): Promise<Record<string, number>> {
  const { readFile } = await import("node:fs/promises");
  const table = await readFile("/proc/net/tcp", "latin1");
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const counts: Record<string, number> = {};
  for (const line of table.split("\n").slice(1)) {
    const [, local, remote, state] = line.trim().split(/\s+/);
    if (!local?.endsWith(`:${hex}`) || state === "0A") continue;
    if (clients && !clients.has(Number.parseInt(remote?.split(":")[1] ?? "", 16))) continue;
    const name = TCP_STATES[state ?? ""] ?? state ?? "?";
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/**
 * Sends `bytes` as they are (malformed requests) and returns the status of what comes
 * back: 0 when the server closed the connection without answering, or `"timeout"`.
 */
export function rawExchange(url: URL, bytes: string, ms = 3_000): Promise<number | "timeout"> {
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) }, () => socket.write(bytes, "latin1"));
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve("timeout");
    }, ms);
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => {
      received += text;
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      if (status) {
        clearTimeout(timer);
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(0);
    });
  });
}
