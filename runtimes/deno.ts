/**
 * sluice on Deno: `serve()` a fetch handler with `Deno.serve`.
 *
 * Deno 2 still aborts `request.signal` after a *successful* response (the legacy
 * behaviour, denoland/deno#27005, unless run with `--unstable-no-legacy-abort`), which
 * reads as "client gone" to any code that checks it later. The handler here gets its own
 * signal, aborted only when the client leaves before its response is complete.
 * @module
 */
import {
  checkHandler,
  checkPath,
  checkServeOptions,
  closeOnAbort,
  OpenResponses,
  serverUrl,
  shutdownReason,
  type FetchHandler,
  type ServeOptions,
  type Server,
} from "../src/adapter.ts";
import { controlOf } from "../src/body.ts";
import { finishResponse, rejectBadRequest, type RuntimeTraits } from "../src/exchange.ts";
import { InFlight } from "../src/in-flight.ts";
import { fileRangeOf } from "../src/file.ts";
import { NotFoundError, StreamAbortError } from "../src/errors.ts";
import type { FileLike } from "../src/file.ts";
import { baseName, typeOf } from "../src/mime.ts";

export type { FetchHandler, ServeOptions, Server } from "../src/adapter.ts";
export type { FileLike } from "../src/file.ts";

/** The part of `Deno.serve` used here, typed by hand so no Deno types are needed. */
interface DenoServeInfo {
  completed: Promise<void>;
}
interface DenoHttpServer {
  finished: Promise<void>;
  shutdown(): Promise<void>;
}
interface DenoServeOptions {
  port: number;
  hostname?: string;
  signal: AbortSignal;
  onListen(address: { port: number; hostname: string }): void;
  onError(error: unknown): Response;
}
interface DenoFsFile {
  readable: ReadableStream<Uint8Array>;
  seek(offset: number, whence: 0): Promise<number>;
  close(): void;
}
interface DenoGlobal {
  serve(options: DenoServeOptions, handler: (request: Request, info: DenoServeInfo) => Promise<Response>): DenoHttpServer;
  stat(path: string): Promise<{ isFile: boolean; size: number; mtime: Date | null }>;
  open(path: string, options: { read: true }): Promise<DenoFsFile>;
  errors: { NotFound: new (...args: never[]) => Error };
}

const deno = () => (globalThis as unknown as { Deno: DenoGlobal }).Deno;

/** Deno's fetch decodes these codings and keeps the header (see finishResponse). */
const DENO: RuntimeTraits = { decodes: new Set(["gzip", "x-gzip", "deflate", "br"]) };

/**
 * Serves `handler` with `Deno.serve`.
 *
 * @example
 * ```ts
 * import { serve } from "sluice/deno";
 * const server = await serve((request) => sseResponse(ticks(), { signal: request.signal }), { port: 8000 });
 * Deno.addSignalListener("SIGTERM", () => server.close());
 * ```
 */
export async function serve(handler: FetchHandler, options: ServeOptions = {}): Promise<Server> {
  checkHandler(handler);
  const { port, shutdownGrace } = checkServeOptions(options);
  const open = new OpenResponses();
  const force = new AbortController();
  let address!: { port: number; hostname: string };
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  const server = deno().serve(
    {
      port,
      ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
      signal: force.signal,
      onListen(addr) {
        address = addr;
        listening();
      },
      onError(error) {
        // Deno reports body errors here too; a client leaving or a shutdown is not a fault.
        if (!isAbort(error)) console.error("sluice: the handler or its response body failed:", error);
        return new Response("Internal Server Error", { status: 500 });
      },
    },
    (request, info) => respond(handler, request, info, open),
  );
  await ready;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= shutDown(server, force, open, shutdownGrace));
  closeOnAbort(options.signal, close);
  return { url: serverUrl(options.hostname, address.hostname, address.port), port: address.port, close };
}

async function respond(handler: FetchHandler, incoming: Request, info: DenoServeInfo, open: OpenResponses): Promise<Response> {
  const bad = rejectBadRequest(incoming);
  if (bad) return bad;
  const flight = new InFlight(incoming, open);
  info.completed.then(() => flight.done(), () => flight.done());
  incoming.signal.addEventListener("abort", () => flight.clientGone(), { once: true });
  const response = finishResponse(await flight.handle(handler), flight.request, DENO);
  // A native file or a body from fetch(): Deno sends it without JavaScript, so nothing
  // tells a finished one from one whose client left, and the abort Deno sends after both
  // is not passed on (README, "Deno").
  const native = await natively(response);
  if (native) return flight.sentNatively(native, true);
  if (response.url !== "" && controlOf(response.body) === undefined) return flight.sentNatively(response, true);
  return flight.tracked(response);
}

function isAbort(error: unknown): boolean {
  return error instanceof StreamAbortError || (error as Error | undefined)?.name === "AbortError";
}

/**
 * Aborts every open stream, waits up to `grace` ms for responses to end, then shuts down
 * gracefully when all ended, or forcefully. Never `shutdown()` then abort: on Deno 2.9 the
 * listener then throws an uncaught BadResource and the process dies.
 */
async function shutDown(server: DenoHttpServer, force: AbortController, open: OpenResponses, grace: number) {
  open.abortAll(shutdownReason());
  await open.drained(grace);
  if (open.size === 0) await server.shutdown();
  else force.abort(shutdownReason());
  await server.finished;
}

/**
 * Opens a file for `fileResponse`: each slice opens the file, seeks to its start and
 * reads it in 64 KiB pulls, so only what the client is ready for is read. A missing file
 * rejects with `NotFoundError`; turn it into a 404.
 *
 * @example
 * ```ts
 * return fileResponse(await openFile("public/video.mp4"), { request });
 * ```
 */
export async function openFile(path: string): Promise<FileLike> {
  checkPath(path);
  let info;
  try {
    info = await deno().stat(path);
  } catch (error) {
    if (error instanceof deno().errors.NotFound) throw new NotFoundError(path, { cause: error });
    throw error;
  }
  if (!info.isFile) throw new NotFoundError(path);
  const size = info.size;
  const file: FileLike = {
    size,
    type: typeOf(path),
    name: baseName(path),
    ...(info.mtime ? { lastModified: info.mtime.getTime() } : {}),
    slice: (start = 0, end = size) => ({ stream: () => fileRange(path, Math.max(0, start), Math.min(size, end)) }),
  };
  openedFiles.set(file, path);
  return file;
}

/** The path of each file openFile() returned, so a whole-file response can be sent natively. */
const openedFiles = new WeakMap<FileLike, string>();

/**
 * A fileResponse of a whole file from openFile() goes out as Deno's own file stream,
 * which Deno sends without a JavaScript hop per chunk: about a third of the memory
 * churn of any JavaScript stream (measured: 10 MiB against 35 MiB of RSS growth for a
 * 150 MiB file). Ranges keep the portable path. `undefined` for any other response.
 */
async function natively(response: Response): Promise<Response | undefined> {
  const range = fileRangeOf(response.body);
  if (!range || range.start !== 0 || range.end !== range.file.size) return undefined;
  const path = openedFiles.get(range.file);
  if (path === undefined) return undefined;
  const file = await deno().open(path, { read: true });
  response.body?.cancel().catch(() => {}); // never started: nothing was read
  return new Response(file.readable, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * The bytes of `path` from `start` to `end` (exclusive), read on demand through Deno's
 * own file stream (its buffers come from the runtime, which keeps memory lower than
 * reading into fresh arrays here).
 */
function fileRange(path: string, start: number, end: number): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let remaining = Math.max(0, end - start);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!reader) {
          const file = await deno().open(path, { read: true });
          await file.seek(start, 0);
          reader = file.readable.getReader();
        }
        const { done, value } = remaining > 0 ? await reader.read() : { done: true, value: undefined };
        if (done) {
          // Fewer bytes than promised: the file shrank since it was opened. Never a clean end.
          if (remaining > 0) controller.error(new Error(`sluice: ${path} ended ${remaining} bytes early; it changed while being sent.`));
          else controller.close();
          return;
        }
        const chunk = value!.byteLength > remaining ? value!.subarray(0, remaining) : value!;
        remaining -= chunk.byteLength;
        controller.enqueue(chunk);
        if (remaining === 0) {
          controller.close();
          reader.cancel().catch(() => {}); // closes the file
        }
      },
      cancel: () => reader?.cancel().catch(() => {}),
    },
    { highWaterMark: 0 },
  );
}
