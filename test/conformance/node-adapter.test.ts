/**
 * What only the Node adapter does: toNodeHandler on an existing node:http server and on
 * HTTP/2 cleartext (h2c), where connection-specific headers would crash node:http2; and
 * when it frames a topic's shared bytes itself.
 */
import { once } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { connect, constants, createServer as createH2Server, type ClientHttp2Session, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { streamingResponse } from "../../src/index.ts";
import { toNodeHandler, type FetchHandler } from "../../runtimes/node.ts";
import { framed } from "../../runtimes/_node/chunked.ts";
import { share } from "../../src/_shared.ts";
import { sleep } from "../_support/time.ts";

/** A producer whose `finally` can be awaited. */
function endless() {
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  async function* producer(signal: AbortSignal) {
    try {
      for (let i = 0; ; i++) {
        yield `tick ${i}\n`;
        await sleep(5);
        if (signal.aborted) return;
      }
    } finally {
      finished();
    }
  }
  return { producer, done };
}

const servers: (HttpServer | Http2Server)[] = [];
const sessions: ClientHttp2Session[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  await Promise.all(
    servers.splice(0).map((server) => {
      (server as HttpServer).closeAllConnections?.();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

async function h2(handler: FetchHandler): Promise<ClientHttp2Session> {
  const server = createH2Server(toNodeHandler(handler));
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  sessions.push(session);
  return session;
}

/** One HTTP/2 request: status, headers, body, and how the stream ended. */
function h2Request(session: ClientHttp2Session, path: string, method = "GET") {
  const stream = session.request({ ":path": path, ":method": method });
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string; rstCode: number }>((resolve) => {
    let status = 0;
    let headers: Record<string, unknown> = {};
    let body = "";
    stream.on("response", (h) => {
      headers = h;
      status = Number(h[":status"]);
    });
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => (body += chunk));
    stream.on("error", () => {});
    stream.on("close", () => resolve({ status, headers, body, rstCode: stream.rstCode ?? 0 }));
  });
}

describe("toNodeHandler on HTTP/2 cleartext (h2c)", () => {
  test("connection-specific headers from the handler are dropped instead of crashing node:http2", async () => {
    const session = await h2(
      () =>
        new Response(new Response("over h2\n").body, {
          headers: {
            connection: "keep-alive",
            "keep-alive": "timeout=5",
            "transfer-encoding": "chunked",
            upgrade: "h2c",
            "content-type": "text/plain",
          },
        }),
    );
    const result = await h2Request(session, "/");
    expect(result.status).toBe(200);
    expect(result.body).toBe("over h2\n");
    expect(result.headers["transfer-encoding"]).toBeUndefined();
    expect(result.headers["content-type"]).toBe("text/plain");
  });

  test("a throwing producer resets the stream with an error, never a clean end", async () => {
    const session = await h2(() =>
      streamingResponse(async function* () {
        yield "before\n";
        await sleep(5);
        throw new Error("boom");
      }),
    );
    const result = await h2Request(session, "/");
    expect(result.body).toBe("before\n");
    expect(result.rstCode).toBe(constants.NGHTTP2_INTERNAL_ERROR);
  });

  test("a client that resets the stream stops the producer", async () => {
    const { producer, done } = endless();
    const session = await h2((request) => streamingResponse(producer, { signal: request.signal }));
    const stream = session.request({ ":path": "/" });
    await once(stream, "data");
    stream.close(constants.NGHTTP2_CANCEL);
    await expect(Promise.race([done.then(() => "finally ran"), sleep(1_000).then(() => "timed out")])).resolves.toBe(
      "finally ran",
    );
  });

  test("HEAD sends headers only and cancels the body at once", async () => {
    let pulls = 0;
    const session = await h2(
      () =>
        new Response(
          new ReadableStream({
            pull: (c) => {
              pulls++;
              c.enqueue(new Uint8Array(1024));
            },
          }),
          {
            headers: { "content-type": "application/octet-stream" },
          },
        ),
    );
    const result = await h2Request(session, "/", "HEAD");
    expect(result.status).toBe(200);
    expect(result.body).toBe("");
    const seen = pulls;
    await sleep(50);
    expect(pulls).toBe(seen);
  });
});

describe("toNodeHandler on an existing node:http server", () => {
  async function http1(handler: FetchHandler): Promise<string> {
    const server = createHttpServer(toNodeHandler(handler));
    servers.push(server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  test("a request body streams into the handler, and every Set-Cookie is kept", async () => {
    const base = await http1(async (request) => {
      const headers = new Headers({ "content-type": "text/plain" });
      headers.append("set-cookie", "a=1");
      headers.append("set-cookie", "b=2");
      return new Response(`got ${(await request.text()).length} bytes by ${request.method}`, { headers });
    });
    const response = await fetch(`${base}/upload`, { method: "POST", body: "x".repeat(100_000) });
    expect(await response.text()).toBe("got 100000 bytes by POST");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
  });

  test("a path that looks like a host stays a path", async () => {
    const base = await http1((request) => new Response(new URL(request.url).pathname));
    const port = new URL(base).port;
    const socket = await import("node:net").then((net) => net.connect(Number(port), "127.0.0.1"));
    socket.write("GET //evil.example/x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    let raw = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (raw += chunk));
    await once(socket, "end");
    const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
    expect(body).toContain("\r\n//evil.example/x\r\n"); // one chunk: the path, not "/x" of host evil.example
  });

  test("a handler that throws gives a 500 that says nothing of the error", async () => {
    const base = await http1(() => {
      throw new Error("secret database password");
    });
    const response = await fetch(base);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("secret");
  });
});

describe("memory of an open stream", () => {
  test("a sluice body's ReadableStream is let go once the adapter reads the body itself, while the body streams on", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    let stream: WeakRef<ReadableStream<Uint8Array>> | undefined;
    const server = createHttpServer(
      toNodeHandler(() => {
        const response = streamingResponse(async function* (signal: AbortSignal) {
          for (let i = 0; !signal.aborted; i++) {
            yield `tick ${i}\n`;
            await sleep(5);
          }
        });
        stream = new WeakRef(response.body!);
        return response;
      }),
    );
    servers.push(server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const client = new AbortController();
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: client.signal });
    const reader = response.body!.getReader();
    await reader.read();
    // deref() keeps its target alive to the end of the job it ran in: each GC runs in a job of its own.
    let held = true;
    for (let i = 0; i < 10 && held; i++) {
      await sleep(10);
      gc();
      await sleep(10);
      held = stream!.deref() !== undefined;
    }
    expect(held, "the stream is still held while its body streams").toBe(false);
    let text = "";
    while (!/tick \d+\n.*tick/s.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    client.abort();
  });
});

describe("shared chunks written straight to the socket", () => {
  test("a shared chunk is framed when it is asked for twice in a row, and that one frame serves every later ask", () => {
    const event = share(new TextEncoder().encode("data: x\n\n"));
    expect(framed(event)).toBeUndefined(); // one reader so far: written with res.write, no copy
    const frame = framed(event);
    expect(new TextDecoder().decode(frame)).toBe("9\r\ndata: x\n\n\r\n");
    expect(framed(event)).toBe(frame);
  });

  test("runs replayed to one reader at a time are never framed: no copy of a history per reader", () => {
    const runs = Array.from({ length: 3 }, (_, i) => share(new TextEncoder().encode(`data: ${i}\n\n`)));
    for (let reader = 0; reader < 3; reader++) for (const run of runs) expect(framed(run)).toBeUndefined();
  });
});
