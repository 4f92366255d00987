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
  closeOnAbort,
  serverUrl,
  shutdownReason,
  type FetchHandler,
  type ServeOptions,
  type Server,
} from "../src/adapter.ts";
import { controlOf, type BodyControl } from "../src/body.ts";
import { encodeText } from "../src/encode.ts";
import { finishResponse, rejectBadRequest, type RuntimeTraits } from "../src/exchange.ts";
import { fileRangeOf } from "../src/file.ts";
import { NotFoundError } from "../src/errors.ts";
import type { FileLike } from "../src/file.ts";
import { baseName, typeOf } from "../src/mime.ts";

export type { FetchHandler, ServeOptions, Server } from "../src/adapter.ts";
export type { FileLike } from "../src/file.ts";

/** The part of `Bun.serve` used here, typed by hand so no Bun types are needed. */
interface BunServer {
  port: number;
  hostname: string;
  stop(closeActiveConnections?: boolean): Promise<void>;
  timeout(request: Request, seconds: number): void;
}
interface BunGlobal {
  serve(options: {
    port: number;
    hostname?: string;
    fetch(request: Request, server: BunServer): Promise<Response>;
    error(error: unknown): Response;
  }): BunServer;
}

const bun = () => (globalThis as unknown as { Bun: BunGlobal }).Bun;
/** Bun's fetch decodes these codings and keeps the header (see finishResponse). */
const BUN: RuntimeTraits = { decodes: new Set(["gzip", "x-gzip", "deflate", "br", "zstd"]) };

/**
 * Serves `handler` with `Bun.serve`.
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
  const { port, shutdownGrace } = checkServeOptions(options);
  /** Bodies sluice made that are being sent, so close() can end them. */
  const open = new Set<BodyControl>();
  const server = bun().serve({
    port,
    ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
    async fetch(request, server) {
      const bad = rejectBadRequest(request);
      if (bad) return bad;
      const response = natively(finishResponse(await handler(request), request, BUN));
      if (response.body !== null) server.timeout(request, 0); // a quiet stream must not be cut at 10 s
      const control = controlOf(response.body);
      if (control) {
        control.consumerCopies(); // Bun copies each chunk into its own buffers before it pulls the next
        if (response.headers.get("content-type")?.startsWith("text/event-stream")) control.prime(encodeText(":\n\n")); // bytes of its own for each stream
        open.add(control);
        control.onEnd(() => open.delete(control));
      }
      return response;
    },
    error(error) {
      console.error("sluice: the handler threw:", error);
      return new Response("Internal Server Error", { status: 500 });
    },
  });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const graceful = server.stop(); // stop accepting; settles once every response has ended
      const reason = shutdownReason();
      for (const control of [...open]) control.abort(reason);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([graceful, new Promise((resolve) => (timer = setTimeout(resolve, shutdownGrace)))]);
      clearTimeout(timer);
      await server.stop(true); // whatever is still open (a foreign endless body) is cut off
    })());
  closeOnAbort(options.signal, close);
  return { url: serverUrl(options.hostname, server.hostname, server.port), port: server.port, close };
}

/**
 * A fileResponse of a Bun file goes out as the file's own slice: Bun then sends it with
 * sendfile and keeps `Content-Length`, which it drops from any stream body
 * (oven-sh/bun#10507), leaving downloads without progress or size.
 */
function natively(response: Response): Response {
  const range = fileRangeOf(response.body);
  if (!range) return response;
  const slice = range.file.slice(range.start, range.end);
  if (!(slice instanceof Blob)) return response;
  response.body?.cancel().catch(() => {}); // never started: nothing was read
  return new Response(slice, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** The part of a `Bun.file()` used here. */
interface BunFile extends FileLike {
  exists(): Promise<boolean>;
}

/**
 * Opens a file for `fileResponse` with `Bun.file` (read lazily, in slices). A missing
 * file rejects with `NotFoundError`; turn it into a 404.
 *
 * @example
 * ```ts
 * return fileResponse(await openFile("public/video.mp4"), { request });
 * ```
 */
export async function openFile(path: string): Promise<FileLike> {
  checkPath(path);
  const file = (globalThis as unknown as { Bun: { file(path: string): BunFile } }).Bun.file(path);
  if (!(await file.exists())) throw new NotFoundError(path);
  return {
    size: file.size,
    type: typeOf(path),
    name: baseName(path),
    ...(file.lastModified === undefined ? {} : { lastModified: file.lastModified }),
    slice: (start, end) => file.slice(start, end),
  };
}
