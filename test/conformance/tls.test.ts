/**
 * HTTPS (issue #16): `serve(handler, { tls })` on Node and Deno speaks HTTP/2 by ALPN
 * (many streams on one connection, so a browser's six-connections-per-origin limit no
 * longer caps open streams) and HTTP/1.1 to clients that ask for it; Bun serves HTTPS
 * over HTTP/1.1. The certificate is made at run time (openssl). Each host runs the
 * fixture; one runs it behind `compress`.
 */
import { request } from "node:https";
import { connect } from "node:tls";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { selfSigned, type Certificate } from "../_support/certificate.ts";
import { h2Request, session } from "../_support/h2-client.ts";
import { eventually, sleep } from "../_support/time.ts";
import type { Stats } from "../fixture/fixture.ts";
import { processHost, type RunningHost } from "../hosts/hosts.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const deno = [bin("deno"), ["run", "--allow-net", "--allow-env", "--allow-read", "--no-prompt", "test/hosts/secure.ts"]] as const;
const hosts = {
  node: [process.execPath, ["dist/test/hosts/secure.js"], {}],
  deno: [...deno, {}],
  "node, compressed": [process.execPath, ["dist/test/hosts/secure.js"], { SLUICE_COMPRESS: "1" }],
} as const;

let certificate: Certificate;
beforeAll(() => {
  certificate = selfSigned();
});
afterAll(() => certificate?.remove());

const start = (command: string, args: readonly string[], env: Record<string, string> = {}) =>
  processHost(command, [...args], {
    env: { SLUICE_TLS_CERT: certificate.certPath, SLUICE_TLS_KEY: certificate.keyPath, ...env },
  });

/** One request over HTTPS with HTTP/1.1 only offered by ALPN. */
function http1(url: URL): Promise<{ alpn: string | false; version: string; text: string }> {
  return new Promise((resolve, reject) => {
    const options = { ca: certificate.cert, ALPNProtocols: ["http/1.1"], agent: false } as Parameters<typeof request>[1];
    const req = request(url, options, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (piece: string) => (text += piece));
      res.on("end", () =>
        resolve({
          alpn: (res.socket as unknown as { alpnProtocol: string | false }).alpnProtocol,
          version: res.httpVersion,
          text,
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe.each(Object.keys(hosts) as (keyof typeof hosts)[])("HTTPS on %s", (name) => {
  let running: RunningHost;
  beforeAll(async () => {
    const [command, args, env] = hosts[name];
    running = await start(command, args, env);
  }, 30_000);
  afterAll(() => running?.stop());
  const key = () => `tls-${name.replace(/\W+/g, "-")}-${Math.random().toString(36).slice(2)}`;

  test("the server's URL is https", () => {
    expect(running.url.protocol).toBe("https:");
  });

  test("50 SSE streams are open at once over one HTTP/2 connection, and each gets all its events", async () => {
    const client = await session(running.url, certificate.cert);
    try {
      expect(client.alpnProtocol).toBe("h2");
      const streams = await Promise.all(Array.from({ length: 50 }, () => h2Request(client, "/compress/ticks?n=3&ms=150")));
      await Promise.all(streams.map((stream) => stream.until('"i":0', 10_000)));
      const firstEvents = Math.max(...streams.map((stream) => stream.pieces[0]!.at));
      const endings = await Promise.all(streams.map((stream) => stream.ended));
      expect(endings).toEqual(Array(50).fill("complete"));
      const firstEnd = Math.min(...streams.map((stream) => stream.pieces.at(-1)!.at));
      expect(firstEvents, "every stream had its first event before any had its last: all 50 open at once").toBeLessThan(firstEnd);
      for (const stream of streams) expect(stream.text().match(/"i":\d/g)).toEqual(['"i":0', '"i":1', '"i":2']);
      if (name.includes("compressed")) expect(streams[0]!.headers["content-encoding"]).toBeUndefined(); // asked for none
    } finally {
      client.close();
    }
  }, 20_000);

  test("a client that offers only HTTP/1.1 by ALPN is served over HTTP/1.1", async () => {
    const { alpn, version, text } = await http1(new URL("/text", running.url));
    expect(alpn).toBe("http/1.1");
    expect(version).toBe("1.1");
    expect(text).toBe("line 1\nline 2\nline 3\nline 4\nline 5\n");
  });

  test("over HTTP/2, a chunk arrives before the producer's next is released, and a throwing producer resets the stream", async () => {
    const client = await session(running.url, certificate.cert);
    try {
      const name = key();
      const gated = await h2Request(client, `/gated?key=${name}`);
      await gated.until("first\n", 5_000);
      await sleep(50);
      expect(gated.text()).toBe("first\n");
      await h2Request(client, `/release?key=${name}`);
      expect(await gated.ended).toBe("complete");
      expect(gated.text()).toBe("first\nsecond\n");
      const failing = await h2Request(client, "/throw");
      expect(await failing.ended).toBe("cut off");
      expect(failing.text()).not.toContain("the producer failed");
    } finally {
      client.close();
    }
  });

  test("over HTTP/2, a cancelled stream runs its producer's finally, and HEAD stops it", async () => {
    const client = await session(running.url, certificate.cert);
    try {
      const name = key();
      const endless = await h2Request(client, `/endless?key=${name}`);
      await endless.until("tick 2\n", 5_000);
      endless.close();
      const read = async (key: string): Promise<Stats> => {
        const response = await h2Request(client, `/stats?key=${key}`);
        await response.ended;
        return JSON.parse(response.text()) as Stats;
      };
      expect(
        await eventually(
          () => read(name),
          (s) => s.finallies === 1,
          2_000,
        ),
      ).toMatchObject({ finallies: 1 });
      const headName = key();
      const head = await h2Request(client, `/endless?key=${headName}`, "HEAD");
      expect(head.headers[":status"]).toBe(200);
      expect(await head.ended).toBe("complete");
      expect(head.text()).toBe("");
      const after = await eventually(
        () => read(headName),
        (s) => s.finallies === s.started,
        1_000,
      );
      expect(after.finallies).toBe(after.started);
    } finally {
      client.close();
    }
  });

  test("close() with HTTP/2 streams open aborts them, runs their finally, and resolves within the grace", async () => {
    const client = await session(running.url, certificate.cert);
    const name = key();
    const streams = await Promise.all([1, 2, 3].map(() => h2Request(client, `/endless?key=${name}`)));
    await Promise.all(streams.map((stream) => stream.until("tick", 5_000)));
    const closed = await running.close!();
    expect(closed.ms).toBeLessThan(2_000);
    expect(closed.stats[name]).toMatchObject({ started: 3, finallies: 3 });
    expect(await Promise.all(streams.map((stream) => stream.ended))).toEqual(["cut off", "cut off", "cut off"]);
    client.destroy();
  });
});

describe("HTTPS on bun", () => {
  let running: RunningHost;
  beforeAll(async () => {
    running = await start(bin("bun"), ["test/hosts/secure.ts"]);
  }, 30_000);
  afterAll(() => running?.stop());

  test("serves HTTPS over HTTP/1.1 (Bun.serve offers no HTTP/2 by ALPN)", async () => {
    expect(running.url.protocol).toBe("https:");
    const { version, text } = await http1(new URL("/text", running.url));
    expect(version).toBe("1.1");
    expect(text).toBe("line 1\nline 2\nline 3\nline 4\nline 5\n");
    const alpn = await new Promise<string | false>((resolve, reject) => {
      const socket = connect(
        { host: "127.0.0.1", port: Number(running.url.port), ca: certificate.cert, ALPNProtocols: ["h2", "http/1.1"] },
        () => {
          resolve(socket.alpnProtocol ?? false);
          socket.destroy();
        },
      );
      socket.on("error", reject);
    });
    expect(alpn, "no protocol chosen by ALPN: HTTP/1.1 it is").toBe(false);
  });
});
