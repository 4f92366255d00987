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
  checkServeOptions,
  OpenResponses,
  shutdownReason,
  type FetchHandler,
  type ServeOptions,
  type Server,
} from "../src/adapter.ts";
import { controlOf } from "../src/body.ts";
import { describe, StreamAbortError } from "../src/errors.ts";

export type { FetchHandler, ServeOptions, Server } from "../src/adapter.ts";

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
interface DenoGlobal {
  serve(options: DenoServeOptions, handler: (request: Request, info: DenoServeInfo) => Promise<Response>): DenoHttpServer;
}

const deno = () => (globalThis as unknown as { Deno: DenoGlobal }).Deno;

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
  if (typeof handler !== "function") {
    throw new TypeError(`sluice: expected a fetch handler (request) => Response, got ${describe(handler)}.`);
  }
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
  options.signal?.addEventListener("abort", () => void close(), { once: true });
  if (options.signal?.aborted) void close();
  const host = !options.hostname || options.hostname === "0.0.0.0" ? "localhost" : address.hostname;
  return { url: new URL(`http://${host.includes(":") ? `[${host}]` : host}:${address.port}/`), port: address.port, close };
}

async function respond(handler: FetchHandler, incoming: Request, info: DenoServeInfo, open: OpenResponses): Promise<Response> {
  const client = new AbortController();
  let response: Response | undefined;
  const ended = open.add((reason) => {
    client.abort(reason);
    controlOf(response?.body ?? null)?.abort(reason);
  });
  info.completed.then(ended, ended);
  incoming.signal.addEventListener(
    "abort",
    () => {
      // Only "client gone" while the response is incomplete: before the handler returned,
      // or while a body sluice made is still open. (A foreign body is cancelled by Deno.)
      const control = controlOf(response?.body ?? null);
      if (response === undefined || (control !== undefined && control.state !== "done")) {
        client.abort(incoming.signal.reason);
      }
    },
    { once: true },
  );
  const request = new Request(incoming, { signal: client.signal });
  response = await handler(request);
  if (!(response instanceof Response)) {
    throw new TypeError(
      `sluice: the handler returned ${describe(response)}, not a Response. Wrap it with handle() to return generators, strings or objects.`,
    );
  }
  return response;
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
