/**
 * sluice on Node: `serve()` a fetch handler, or mount it on an existing `node:http` /
 * `node:http2` server with `toNodeHandler()`.
 * @module
 */
import { openAsBlob } from "node:fs";
import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo, Server as NetServer } from "node:net";
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
import { NotFoundError } from "../src/errors.ts";
import type { FileLike } from "../src/file.ts";
import { baseName, typeOf } from "../src/_kit/mime.ts";
import { listener } from "./_node/listener.ts";
import { secureServer } from "./_node/tls.ts";
import type { NodeRequest, NodeResponse } from "./_node/request.ts";

export type { FetchHandler, ServeOptions, Server, TlsOptions } from "../src/_kit/serve.ts";
export { compress, type CompressOptions } from "./_zlib/compress.ts";
export type { Coding } from "../src/_kit/encoding.ts";
export type { FileLike } from "../src/file.ts";

/**
 * Adapts a fetch handler to `(req, res)` for `http.createServer()`, `http2.createServer()`
 * (h2c) or any framework that hands out Node's request and response. Streams with
 * `drain`-based backpressure; a closed socket cancels the body; `HEAD` sends headers only
 * and cancels the body at once.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * createServer(toNodeHandler((request) => streamingResponse(ticks(request.signal)))).listen(8000);
 * ```
 */
export function toNodeHandler(handler: FetchHandler): (req: NodeRequest, res: NodeResponse) => void {
  checkHandler(handler);
  return listener(handler);
}

/**
 * Serves `handler` over HTTP/1.1 on Node; with `tls`, over HTTPS with HTTP/2 and HTTP/1.1
 * by ALPN.
 *
 * @example
 * ```ts
 * const server = await serve((request) => sseResponse(events(), { signal: request.signal }), { port: 0 });
 * console.log(`listening on ${server.url}`);
 * process.once("SIGTERM", () => server.close());
 * ```
 */
export async function serve(handler: FetchHandler, options: ServeOptions = {}): Promise<Server> {
  checkHandler(handler);
  const { port, shutdownGrace, tls } = checkServeOptions(options);
  const open = new OpenResponses();
  const inner = listener(handler, open);
  if (tls) {
    const { server, steps } = secureServer(tls, inner);
    const bound = await listen(server, port, options.hostname);
    const close = closer(options.signal, open, shutdownGrace, steps);
    return { url: serverUrl(options.hostname, bound.address, bound.port, true), port: bound.port, close };
  }
  let closing = false;
  const server = createServer((req, res) => {
    if (closing) {
      // A request on a kept-alive socket while closing: answer it, then let the socket go.
      res.setHeader("connection", "close");
    }
    res.once("close", () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    inner(req, res);
  });
  const address = await listen(server, port, options.hostname);
  let closed!: Promise<void>;
  const close = closer(options.signal, open, shutdownGrace, {
    stop() {
      closing = true;
      closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
    },
    async end() {
      server.closeAllConnections(); // what is left after the grace: handlers that never returned
      await closed;
    },
  });
  return { url: serverUrl(options.hostname, address.address, address.port), port: address.port, close };
}

/** Listens on `port` and `hostname`; resolves to the address bound. */
async function listen(server: NetServer, port: number, hostname: string | undefined): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/**
 * Opens a file for `fileResponse`, read lazily in slices (`fs.openAsBlob`), with its
 * size, name, type by extension and modification time. A missing file (or a directory)
 * rejects with `NotFoundError`; turn it into a 404.
 *
 * @example
 * ```ts
 * return fileResponse(await openFile("public/video.mp4"), { request });
 * ```
 */
export async function openFile(path: string): Promise<FileLike> {
  checkPath(path);
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw statFailure(path, error);
  }
  if (!info.isFile()) throw new NotFoundError(path);
  const blob = await openAsBlob(path);
  return {
    size: blob.size,
    type: typeOf(path),
    name: baseName(path),
    lastModified: info.mtimeMs,
    slice: (start, end) => blob.slice(start, end) as { stream(): ReadableStream<Uint8Array> },
  };
}
