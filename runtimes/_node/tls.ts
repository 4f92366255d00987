/**
 * HTTPS on Node: `node:http2`'s secure server, which speaks HTTP/2 to clients that offer
 * it by ALPN (browsers do, so their six-connections-per-origin limit on HTTP/1.1 no longer
 * caps open streams) and HTTP/1.1 to the others (`allowHTTP1`). Both reach the same
 * listener through Node's compatibility API.
 * @module
 */
import { createSecureServer, type Http2SecureServer, type Http2Session } from "node:http2";
import type { TLSSocket } from "node:tls";
import type { CloseSteps } from "../../src/_kit/serve.ts";
import type { NodeRequest, NodeResponse } from "./request.ts";

/** A secure server for `listener`, and the steps of its graceful close. */
export function secureServer(
  tls: { cert: string; key: string },
  listener: (req: NodeRequest, res: NodeResponse) => void,
): { server: Http2SecureServer; steps: Omit<CloseSteps, "end"> & { end(): Promise<void> } } {
  const sessions = new Set<Http2Session>();
  /** HTTP/1.1 connections, each with how many of its requests are unanswered. */
  const sockets = new Map<TLSSocket, number>();
  let closing = false;
  const server = createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: true }, (req, res) => {
    const socket = req.httpVersionMajor === 2 ? undefined : (req.socket as TLSSocket);
    if (socket) {
      sockets.set(socket, (sockets.get(socket) ?? 0) + 1);
      if (closing) res.setHeader("connection", "close"); // answer it, then let the connection go
      res.once("close", () => {
        const left = (sockets.get(socket) ?? 1) - 1;
        if (sockets.has(socket)) sockets.set(socket, left);
        if (closing && left === 0) setImmediate(() => socket.destroy());
      });
    }
    listener(req, res);
  });
  server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    if (closing) session.close();
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    if (socket.alpnProtocol === "h2") return;
    sockets.set(socket, 0);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", () => {}); // a client that fails the handshake is its own problem
  let closed!: Promise<void>;
  return {
    server,
    steps: {
      stop() {
        closing = true;
        closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const session of sessions) session.close(); // GOAWAY: no new streams; ends once its streams have
        for (const [socket, active] of sockets) if (active === 0) socket.destroy(); // idle keep-alive connections
      },
      async end() {
        for (const session of sessions) session.destroy();
        for (const socket of sockets.keys()) socket.destroy();
        await closed;
      },
    },
  };
}
