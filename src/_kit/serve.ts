/**
 * What every runtime adapter exports, declared once, and the portable bookkeeping of open
 * streams that a graceful `close()` needs.
 * @module
 */
import { NotFoundError } from "../errors.ts";
import { shutdownReason } from "../_reasons.ts";
import { checkNonNegative, describe } from "../_messages.ts";

/** A web-standard request handler: the one shape every adapter hosts. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Options of `serve()` on Node, Deno and Bun. */
export interface ServeOptions {
  /** 0 picks a free port (read it from `server.port`). Default 8000. */
  port?: number;
  /** Default: every interface. Tests use "127.0.0.1". */
  hostname?: string;
  /** Aborting it closes the server, like `close()`. */
  signal?: AbortSignal;
  /** ms `close()` waits for open responses after aborting their streams. Default 5_000. */
  shutdownGrace?: number;
  /**
   * Serves HTTPS with this certificate chain and private key (PEM). On Node and Deno,
   * HTTP/2 and HTTP/1.1 by ALPN; on Bun, HTTP/1.1 (its server speaks no HTTP/2).
   */
  tls?: TlsOptions;
}

/** A certificate and its key, PEM-encoded (the text of `cert.pem` and `key.pem`). */
export interface TlsOptions {
  cert: string | Uint8Array;
  key: string | Uint8Array;
}

/** A running server. */
export interface Server {
  /** Where it listens, e.g. `http://127.0.0.1:41234/`. */
  url: URL;
  port: number;
  /**
   * Stops accepting, aborts every open stream (their producers' `finally` blocks run),
   * waits at most `shutdownGrace` ms for responses to finish, then resolves. Never hangs
   * on an endless stream. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

const DEFAULT_PORT = 8000;
const DEFAULT_SHUTDOWN_GRACE = 5_000;

/**
 * The responses a server is sending right now, each with the function that aborts it,
 * so `close()` can end them all and wait until they are gone.
 */
export class OpenResponses {
  #open = new Map<symbol, (reason: unknown) => void>();
  #emptied: (() => void)[] = [];

  get size(): number {
    return this.#open.size;
  }

  /** Registers an open response; call the returned function when it has ended. */
  add(abort: (reason: unknown) => void): () => void {
    const key = Symbol();
    this.#open.set(key, abort);
    return () => {
      this.#open.delete(key);
      if (this.#open.size === 0) for (const resolve of this.#emptied.splice(0)) resolve();
    };
  }

  /** Aborts every open response with `reason`. */
  abortAll(reason: unknown): void {
    for (const abort of [...this.#open.values()]) {
      try {
        abort(reason);
      } catch {
        // One response failing to abort must not keep the others open.
      }
    }
  }

  /** Resolves when no response is open. */
  drained(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptied.push(resolve));
  }
}

/** What one runtime does at each step of {@link closer}'s graceful close. */
export interface CloseSteps {
  /** Stops accepting connections. */
  stop(): void;
  /**
   * Resolves when nothing is left to send. Default: when every open response has ended
   * (Bun: when every connection has closed, as it does not count bodies it sends itself).
   */
  finished?: () => Promise<void>;
  /** Ends whatever is still open, and resolves once the server is closed; `forced` if the grace ran out. */
  end(forced: boolean): Promise<void>;
}

/**
 * The `close()` of a server, the same on every runtime: stop accepting; abort every open
 * response (its handler's `request.signal` and its body, so producers' `finally` blocks
 * run and clients see a truncated body); wait until nothing is left to send, at most
 * `grace` ms; then end what is left. Calling it again returns the same promise; aborting
 * `signal` calls it.
 */
export function closer(
  signal: AbortSignal | undefined,
  open: OpenResponses,
  grace: number,
  steps: CloseSteps,
): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      steps.stop();
      open.abortAll(shutdownReason());
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), grace)));
      const finished = (steps.finished?.() ?? open.drained()).then(() => true as const);
      const inTime = await Promise.race([finished, late]);
      clearTimeout(timer);
      await steps.end(!inTime);
    })());
  closeOnAbort(signal, close);
  return close;
}

/** Checks `serve()` options, so a typo fails at start-up with the fix named. */
export function checkServeOptions(
  options: ServeOptions,
): Required<Pick<ServeOptions, "port" | "shutdownGrace">> & { tls: { cert: string; key: string } | undefined } {
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`sluice: \`port\` must be an integer from 0 to 65535 (0 = any free port), got ${String(port)}.`);
  }
  const shutdownGrace =
    checkNonNegative("shutdownGrace", options.shutdownGrace, "ms", "0 aborts open streams at once.") ?? DEFAULT_SHUTDOWN_GRACE;
  return { port, shutdownGrace, tls: checkTls(options.tls) };
}

/** The PEM texts of `tls`, checked: a missing or binary (DER) one fails at start-up, naming the fix. */
function checkTls(tls: TlsOptions | undefined): { cert: string; key: string } | undefined {
  if (tls === undefined) return undefined;
  const pem = (name: "cert" | "key") => {
    const value = (tls as unknown as Record<string, unknown> | null)?.[name];
    const text = value instanceof Uint8Array ? new TextDecoder().decode(value) : value;
    if (typeof text !== "string" || !text.includes("-----BEGIN ")) {
      throw new TypeError(
        `sluice: \`tls.${name}\` must be PEM text (a string or bytes starting with "-----BEGIN "), got ${describe(value)}. ` +
          `Pass the contents of the file, e.g. { cert: readFileSync("cert.pem", "utf8"), key: readFileSync("key.pem", "utf8") }.`,
      );
    }
    return text;
  };
  return { cert: pem("cert"), key: pem("key") };
}

/** Throws a `TypeError` unless `handler` is a function. */
export function checkHandler(handler: unknown, shape = "(request) => Response"): void {
  if (typeof handler !== "function") {
    throw new TypeError(`sluice: expected a fetch handler ${shape}, got ${describe(handler)}.`);
  }
}

/** Throws a `TypeError` unless `path` is a string. */
export function checkPath(path: unknown): asserts path is string {
  if (typeof path !== "string") throw new TypeError(`sluice: openFile() takes a path string, got ${describe(path)}.`);
}

/**
 * What a failed `stat()` in `openFile` means, on runtimes with Node's error codes: a
 * `NotFoundError` when nothing is there (ENOENT, or ENOTDIR: a file named as a
 * directory), else the error itself.
 */
export function statFailure(path: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR" ? new NotFoundError(path, { cause: error }) : error;
}

/**
 * The server's URL: `localhost` when it listens on every interface, else the address
 * it is bound to (bracketed when IPv6).
 */
export function serverUrl(requested: string | undefined, bound: string, port: number, secure = false): URL {
  const host = !requested || requested === "0.0.0.0" || requested === "::" ? "localhost" : bound;
  return new URL(`${secure ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}/`);
}

/** Makes `close` run when `signal` aborts (at once if it has). */
function closeOnAbort(signal: AbortSignal | undefined, close: () => Promise<void>): void {
  if (!signal) return;
  if (signal.aborted) void close();
  else signal.addEventListener("abort", () => void close(), { once: true });
}
