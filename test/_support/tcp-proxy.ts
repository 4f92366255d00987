/**
 * A loopback TCP proxy for failover tests: what a load balancer with health checks by
 * connection does. It listens on 127.0.0.1:0 and sends each new connection to the first
 * backend of its list that accepts one, trying the next when a connect fails (a killed
 * instance refuses at once). Once paired, bytes flow both ways untouched; a backend that
 * goes away (FIN or RST) ends the client's connection the same way.
 */
import { createServer, connect, type Socket } from "node:net";

export interface Backend {
  /** The name the proxy's records use (e.g. "A"). */
  name: string;
  port: number;
}

/** One connection the proxy accepted. */
interface ProxiedConnection {
  /** The backend it went to; `undefined` while connecting, or if none accepted it. */
  backend: string | undefined;
  /** Backends that refused it first, in order. */
  refused: string[];
  /** `performance.now()` when it was accepted. */
  at: number;
}

export interface TcpProxy {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: URL;
  /** Every connection accepted, oldest first. */
  readonly connections: readonly ProxiedConnection[];
  /** How many connections went to each backend (by name), and to none (`"none"`). */
  counts(): Record<string, number>;
  /** Stops accepting, and cuts every open connection. */
  close(): Promise<void>;
}

/** Starts a proxy in front of `backends`, preferring them in that order. */
export async function startProxy(backends: readonly Backend[]): Promise<TcpProxy> {
  const connections: ProxiedConnection[] = [];
  const open = new Set<Socket>();
  const server = createServer({ pauseOnConnect: true }, (client) => {
    const record: ProxiedConnection = { backend: undefined, refused: [], at: performance.now() };
    connections.push(record);
    open.add(client);
    client.once("close", () => open.delete(client));
    client.on("error", () => {}); // a client that resets: the upstream is closed below
    const tryBackend = (index: number): void => {
      const backend = backends[index];
      if (backend === undefined || client.destroyed) {
        client.destroy();
        return;
      }
      const upstream = connect(backend.port, "127.0.0.1");
      open.add(upstream);
      upstream.once("close", () => open.delete(upstream));
      const refused = (): void => {
        record.refused.push(backend.name);
        upstream.destroy();
        tryBackend(index + 1);
      };
      upstream.once("error", refused);
      upstream.once("connect", () => {
        upstream.off("error", refused);
        record.backend = backend.name;
        // A reset on either side resets the other; a FIN is passed on by pipe().
        upstream.on("error", () => client.resetAndDestroy());
        client.on("error", () => upstream.resetAndDestroy());
        client.once("close", () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryBackend(0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };
  return {
    url: new URL(`http://127.0.0.1:${port}/`),
    connections,
    counts() {
      const counts: Record<string, number> = {};
      for (const { backend } of connections) counts[backend ?? "none"] = (counts[backend ?? "none"] ?? 0) + 1;
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}
