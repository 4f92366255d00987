/**
 * sluice on Bun: `serve()` a fetch handler with `Bun.serve`.
 *
 * Two Bun behaviours are handled here: Bun closes a connection after 10 s without I/O
 * (`idleTimeout`), which would kill a quiet stream, so streaming responses get
 * `server.timeout(request, 0)`; and Bun sends no header until the body's first byte, so an
 * SSE body sluice made starts with an empty comment that puts the headers on the wire.
 * @module
 */
import {
  checkHandler,
  checkPath,
  checkServeOptions,
  closer,
  OpenResponses,
  serverUrl,
  statFailure,
  type FetchHandler,
  type ServeOptions,
  type Server,
} from "../src/_kit/serve.ts";
import { controlOf } from "../src/_body.ts";
import { encodeText } from "../src/_encode.ts";
import { rejectBadRequest, withBody, type RuntimeTraits } from "../src/_kit/exchange.ts";
import { NotFoundError, StreamAbortError } from "../src/errors.ts";
import { InFlight } from "../src/_kit/in-flight.ts";
import type { FileLike } from "../src/file.ts";
import { baseName, typeOf } from "../src/_kit/mime.ts";
import { bun, type BunFile } from "./_types/bun.ts";

export type { FetchHandler, ServeOptions, Server, TlsOptions } from "../src/_kit/serve.ts";
export { compress, type CompressOptions } from "./_zlib/compress.ts";
export type { Coding } from "../src/_kit/encoding.ts";
export type { FileLike } from "../src/file.ts";

/** Bun's fetch decodes these codings and keeps the header (see finishResponse). */
const BUN: RuntimeTraits = { decodes: new Set(["gzip", "x-gzip", "deflate", "br", "zstd"]) };

/**
 * Serves `handler` with `Bun.serve`; with `tls`, over HTTPS (HTTP/1.1 only: Bun.serve
 * does not offer HTTP/2).
 *
 * @example
 * ```ts
 * import { serve } from "sluice/bun";
 * const server = await serve((request) => streamingResponse(logTail(), { signal: request.signal }));
 * process.once("SIGTERM", () => server.close());
 * ```
 */
export async function serve(handler: FetchHandler, options: ServeOptions = {}): Promise<Server> {
  checkHandler(handler);
  const { port, shutdownGrace, tls } = checkServeOptions(options);
  const open = new OpenResponses();
  const server = bun().serve({
    // Not development mode: it prints every body that ends as an error, timeouts and
    // shutdowns included; a real failure is logged below, as Node and Deno do.
    development: false,
    port,
    ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
    ...(tls ? { tls } : {}), // HTTPS over HTTP/1.1: Bun.serve offers no HTTP/2 by ALPN
    async fetch(incoming, server) {
      const bad = rejectBadRequest(incoming);
      if (bad) return bad;
      const flight = new InFlight(incoming, open);
      incoming.signal.addEventListener("abort", () => flight.clientGone(), { once: true });
      const response = await flight.respond(handler, BUN);
      if (response.body !== null) server.timeout(incoming, 0); // a quiet stream must not be cut at 10 s
      const native = natively(response);
      const control = native ? undefined : controlOf(response.body);
      if (!control) {
        // A file sent natively, or a body sluice did not make, goes out as it is: Bun
        // aborts a request's signal only when its client leaves early, so nothing needs to
        // read it through, and close() waits for it through server.stop().
        flight.done();
        return native ?? response;
      }
      control.consumerCopies(); // Bun copies each chunk into its own buffers before it pulls the next
      control.onEnd(() => logFailure(control.failure));
      // Bytes of its own for each stream; a compressed body sends its header at once instead.
      const sse = response.headers.get("content-type")?.startsWith("text/event-stream");
      if (sse && !response.headers.has("content-encoding")) control.prime(encodeText(":\n\n"));
      return flight.tracked(response);
    },
    error(error) {
      if (!(error instanceof StreamAbortError)) console.error("sluice: the handler threw:", error); // a shutdown is not a fault
      return new Response("Internal Server Error", { status: 500 });
    },
  });
  let graceful!: Promise<void>;
  let ended = false;
  // Bun's graceful stop() settles only once every connection has closed. Under load it
  // waited out the whole grace with no request pending and no response open (seen after
  // clients had dropped streams mid-body), so done is when no request is in flight: bodies
  // Bun sends itself are not among the open responses, but are among its pending requests.
  const noneInFlight = () =>
    new Promise<void>((resolve) => {
      const check = () => (ended || server.pendingRequests === 0 ? resolve() : void setTimeout(check, 10));
      check();
    });
  const close = closer(options.signal, open, shutdownGrace, {
    stop() {
      graceful = server.stop();
    },
    finished: () => Promise.race([graceful, open.drained().then(noneInFlight)]),
    async end() {
      ended = true;
      await server.stop(true); // idle connections, and whatever is still open (a foreign endless body), are cut off
    },
  });
  const bound = server.port ?? port; // undefined only on a unix socket
  return { url: serverUrl(options.hostname, server.hostname ?? "localhost", bound, tls !== undefined), port: bound, close };
}

/**
 * Logs a body that failed for a reason of its own; a stream sluice ended on purpose
 * (timeout, stalled client) is not a fault, and Node and Deno stay quiet about it too.
 */
function logFailure(failure: unknown): void {
  if (failure !== undefined && !(failure instanceof StreamAbortError)) {
    console.error("sluice: the response body failed, so the response was cut off:", failure);
  }
}

/**
 * A fileResponse of a Bun file goes out as the file's own slice: Bun then sends it with
 * sendfile and keeps `Content-Length`, which it drops from any stream body
 * (oven-sh/bun#10507), leaving downloads without progress or size. `undefined` for any
 * other response.
 */
function natively(response: Response): Response | undefined {
  const range = controlOf(response.body)?.file;
  if (!range) return undefined;
  const slice = range.file.slice(range.start, range.end);
  if (!(slice instanceof Blob)) return undefined;
  response.body?.cancel().catch(() => {}); // never started: nothing was read
  return withBody(response, slice);
}

/**
 * Opens a file for `fileResponse` with `Bun.file` (read lazily, in slices). A missing
 * file, a directory, a FIFO or a device (only regular files are files: Bun gives a FIFO
 * the size `Infinity`) rejects with `NotFoundError`; turn it into a 404.
 *
 * @example
 * ```ts
 * return fileResponse(await openFile("public/video.mp4"), { request });
 * ```
 */
export async function openFile(path: string): Promise<FileLike> {
  checkPath(path);
  const file = bun().file(path);
  let info: Awaited<ReturnType<BunFile["stat"]>>;
  try {
    info = await file.stat();
  } catch (error) {
    throw statFailure(path, error);
  }
  if (!info.isFile()) throw new NotFoundError(path);
  return {
    size: info.size,
    type: typeOf(path),
    name: baseName(path),
    lastModified: info.mtimeMs,
    slice: (start, end) => file.slice(start, end),
  };
}
