/**
 * One connection to Redis, as the Redis store uses it: commands that reject at once, with
 * an error naming the connection and the fix, while Redis cannot be reached (never queued
 * for a Redis that may not come back); reconnection with backoff; Lua scripts by SHA.
 * @module
 */
import { createClient, ErrorReply, type RedisClientType } from "@redis/client";

/** The client as this module uses it: RESP2 replies, no modules. */
type None = Record<string, never>;
type Client = RedisClientType<None, None, None, 2>;
import { unref } from "../../src/_timers.ts";

/** The longest wait between two reconnection attempts, ms. */
const BACKOFF_MAX = 2_000;

/** A Redis command's arguments. */
export type Args = readonly string[];

/** A Redis reply as the RESP2 protocol gives it: strings, integers, arrays of them, or null. */
export type Reply = string | number | null | Reply[];

/** `url` with its password (if any) masked: what error messages and logs may show. */
function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "") return url;
    parsed.password = "****";
    return parsed.href;
  } catch {
    return "(an invalid URL)";
  }
}

/** A Redis client that is ready, or tells why not. */
export class Connection {
  /** The URL, password masked. */
  readonly name: string;
  readonly #client: Client;
  readonly #url: string;
  readonly #connectTimeout: number;
  /** Called after every (re)connection: the connection is new (a new client id, no scripts cached on a restarted server). */
  onReady: (() => void) | undefined;
  #started = false;
  #wasReady = false;
  #closed = false;
  #lastError: unknown;
  /** Those waiting for the first connection: told when it is ready or fails. */
  #waiting = new Set<(error?: unknown) => void>();
  readonly #scripts = new Map<string, string>();

  constructor(url: string, connectTimeout: number, client?: Client) {
    this.#url = url;
    this.name = maskUrl(url);
    this.#connectTimeout = connectTimeout;
    this.#client =
      client ??
      (createClient({
        url,
        RESP: 2, // the replies this store reads: arrays, as in every Redis version
        disableOfflineQueue: true,
        socket: {
          connectTimeout,
          reconnectStrategy: (retries) => Math.min(BACKOFF_MAX, 50 * 2 ** Math.min(retries, 6)) * (0.5 + Math.random() / 2),
        },
      }) as Client);
    // Without a listener an 'error' event would throw and end the process.
    this.#client.on("error", (error: unknown) => {
      this.#lastError = error;
      this.#tell(error);
    });
    this.#client.on("ready", () => {
      this.#wasReady = true;
      this.#lastError = undefined;
      this.#scripts.clear();
      this.#tell();
      this.onReady?.();
    });
  }

  /** A connection on its own socket to the same server (for a blocking read). */
  duplicate(): Connection {
    return new Connection(this.#url, this.#connectTimeout, this.#client.duplicate());
  }

  /** Sends one command; rejects with an error naming the connection if Redis cannot be reached. */
  async send(args: Args, doing: string): Promise<Reply> {
    await this.#ready(doing);
    try {
      return (await this.#client.sendCommand(args)) as Reply;
    } catch (error) {
      throw this.#failure(doing, error);
    }
  }

  /** Runs a Lua script by its SHA, loading it first if the server does not have it. */
  async script(source: string, keys: Args, args: Args, doing: string): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      let sha = this.#scripts.get(source);
      if (sha === undefined) {
        sha = String(await this.send(["SCRIPT", "LOAD", source], doing));
        this.#scripts.set(source, sha);
      }
      try {
        return await this.send(["EVALSHA", sha, String(keys.length), ...keys, ...args], doing);
      } catch (error) {
        // The server lost its scripts (restarted, or SCRIPT FLUSH): load it again, once.
        const cause = (error as Error).cause;
        if (attempt > 0 || !(cause instanceof ErrorReply) || !cause.message.startsWith("NOSCRIPT")) throw error;
        this.#scripts.delete(source);
      }
    }
  }

  /** Closes the socket at once: pending commands (a blocked read) reject. */
  close(): void {
    this.#closed = true;
    this.#tell(new Error("closed"));
    if (this.#started) this.#client.destroy();
  }

  /** Resolves once the client is ready; rejects at once while it reconnects, or if the first connection fails. */
  async #ready(doing: string): Promise<void> {
    if (this.#closed) throw new Error(`sluice: the Redis store was closed with close(); ${doing} needs a new redisStore().`);
    if (this.#client.isReady) return;
    if (this.#wasReady) throw this.#failure(doing, this.#lastError ?? new Error("the connection was lost"));
    if (!this.#started) {
      this.#started = true;
      this.#client.connect().catch(() => {}); // failures come as 'error' events; connect() settles only on close
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let tell: ((error?: unknown) => void) | undefined;
    const settled = new Promise<void>((resolve, reject) => {
      tell = (error) => (error === undefined ? resolve() : reject(error));
      this.#waiting.add(tell);
      timer = unref(setTimeout(() => tell?.(new Error(`no connection after ${this.#connectTimeout} ms`)), this.#connectTimeout));
    });
    try {
      await settled;
    } catch (error) {
      throw this.#failure(doing, error);
    } finally {
      clearTimeout(timer);
      if (tell) this.#waiting.delete(tell);
    }
  }

  #tell(error?: unknown): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const tell of waiting) tell(error);
  }

  /** The error a command rejects with: Redis's own answer, or the connection being down. */
  #failure(doing: string, cause: unknown): Error {
    const message = cause instanceof Error ? cause.message : String(cause);
    if (isErrorReply(cause)) return new Error(`sluice: Redis at ${this.name} refused ${doing}: ${message}`, { cause });
    if (this.#closed) return new Error(`sluice: the Redis store was closed with close(); ${doing} needs a new redisStore().`);
    return new Error(
      `sluice: cannot reach Redis at ${this.name} (${message}), so ${doing} failed. ` +
        "Check that Redis is running there and that `url` is right; the store reconnects by itself once it is back.",
      { cause },
    );
  }
}

/** Whether `error` is Redis's answer to a command (as opposed to a connection failure). */
function isErrorReply(error: unknown): boolean {
  return error instanceof ErrorReply;
}
