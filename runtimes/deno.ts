/**
 * sluice on Deno: `serve()` a fetch handler with `Deno.serve`.
 *
 * Deno 2 still aborts `request.signal` after a *successful* response (the legacy
 * behaviour, denoland/deno#27005, unless run with `--unstable-no-legacy-abort`), which
 * reads as "client gone" to any code that checks it later. The handler here gets its own
 * signal, aborted only when the client leaves before its response is complete. sluice
 * works in both modes, and reads Deno's own signal only while a handler is computing
 * (see `answer`), so the legacy mode's deprecation warning does not come from it.
 * @module
 */
import { controlOf } from "../src/_body.ts";
import { rejectBadRequest, type RuntimeTraits } from "../src/_kit/exchange.ts";
import { InFlight } from "../src/_kit/in-flight.ts";
import {
  checkHandler,
  checkServeOptions,
  closer,
  OpenResponses,
  serverUrl,
  type FetchHandler,
  type ServeOptions,
  type Server,
} from "../src/_kit/serve.ts";
import { StreamAbortError } from "../src/errors.ts";
import { shutdownReason } from "../src/_reasons.ts";
import { natively } from "./_deno/files.ts";
import { deno, type DenoServeInfo } from "./_types/deno.ts";

export { openFile } from "./_deno/files.ts";
export type { FetchHandler, ServeOptions, Server, TlsOptions } from "../src/_kit/serve.ts";
export { compress, type CompressOptions } from "./_zlib/compress.ts";
export type { Coding } from "../src/_kit/encoding.ts";
export type { FileLike } from "../src/types.ts";

/** Deno's fetch decodes these codings and keeps the header (see finishResponse). */
const DENO: RuntimeTraits = { decodes: new Set(["gzip", "x-gzip", "deflate", "br"]) };

/**
 * Serves `handler` with `Deno.serve`; with `tls`, over HTTPS with HTTP/2 and HTTP/1.1 by ALPN.
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
  const { port, shutdownGrace, tls } = checkServeOptions(options);
  const open = new OpenResponses();
  const force = new AbortController();
  let address!: { port: number; hostname: string };
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  const server = deno().serve(
    {
      port,
      ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
      ...(tls ?? {}), // Deno serves HTTP/2 and HTTP/1.1 by ALPN over TLS
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
    (request, info) => answer(handler, request, info, open),
  );
  await ready;
  const close = closer(options.signal, open, shutdownGrace, {
    // Nothing first: shutdown() before the aborts makes Deno 2.9's listener throw an
    // uncaught BadResource, and the process dies.
    stop() {},
    async end(forced) {
      if (forced) force.abort(shutdownReason());
      else await server.shutdown();
      await server.finished;
    },
  });
  return { url: serverUrl(options.hostname, address.hostname, address.port, tls !== undefined), port: address.port, close };
}

/**
 * Answers one request: the handler sees it with a signal that means "client gone".
 *
 * Deno 2.9 warns once per process (in legacy-abort mode, the default) when a handler read
 * `request.signal` and the response then completed. So a client leaving a response is seen
 * when Deno cancels its body (`InFlight.tracked`; `info.completed` resolves for an
 * abandoned stream too, so it only says the response is over), and `request.signal` is
 * read only while a handler is still computing its response (it waits for I/O): it is
 * then the only way Deno tells that the client left. Handlers that answer at once, such
 * as every streaming response, never cause the warning.
 */
async function answer(handler: FetchHandler, incoming: Request, info: DenoServeInfo, open: OpenResponses): Promise<Response> {
  const bad = rejectBadRequest(incoming);
  if (bad) return bad;
  const flight = new InFlight(incoming, open, copyRequest);
  info.completed.then(
    () => flight.done(),
    () => {
      flight.clientGone();
      flight.done();
    },
  );
  const response = await flight.respond(handler, DENO, () =>
    incoming.signal.addEventListener("abort", () => flight.clientGone(), { once: true }),
  );
  // A native file or a body from fetch(): Deno sends it without JavaScript, so nothing
  // tells a finished one from one whose client left, and the abort Deno sends after both
  // is not passed on (README, "Deno").
  const native = await natively(response);
  if (native) return flight.sentNatively(native);
  if (response.url !== "" && controlOf(response.body) === undefined) return flight.sentNatively(response);
  return flight.tracked(response);
}

/**
 * The handler's copy of `incoming`, with `signal`. Not `new Request(incoming, { signal })`:
 * that reads `incoming.signal`, which is what makes Deno warn (see {@link answer}).
 */
function copyRequest(incoming: Request, signal: AbortSignal): Request {
  const init: RequestInit & { duplex?: "half" } = { method: incoming.method, headers: incoming.headers, signal };
  if (incoming.body !== null) {
    init.body = incoming.body;
    init.duplex = "half"; // a streamed request body
  }
  return new Request(incoming.url, init);
}

function isAbort(error: unknown): boolean {
  return error instanceof StreamAbortError || (error as Error | undefined)?.name === "AbortError";
}
