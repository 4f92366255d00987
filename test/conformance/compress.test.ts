/**
 * compress() against real servers (issue #16): `compress(fixture)` served by sluice on
 * Node, Deno and Bun, and the fixture as a Hono app behind sluice/hono's `compress()`.
 * Client side: node:http and node:zlib, so the test sees the bytes on the wire.
 */
import { fileURLToPath } from "node:url";
import { open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { exchange } from "../_support/compressed-client.ts";
import { eventually, sleep } from "../_support/time.ts";
import type { Stats } from "../fixture/fixture.ts";
import { processHost, type RunningHost } from "../hosts/hosts.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const hosts = {
  node: [process.execPath, ["dist/test/hosts/compressed.js"]],
  deno: [bin("deno"), ["run", "--allow-net", "--allow-env", "--allow-read", "--no-prompt", "test/hosts/compressed.ts"]],
  bun: [bin("bun"), ["test/hosts/compressed.ts"]],
  "hono-middleware": [process.execPath, ["dist/test/hosts/hono-sluice-compress.js"]],
} as const;
const CODINGS = ["br", "gzip", "deflate"] as const;
let keys = 0;

describe.each(Object.keys(hosts) as (keyof typeof hosts)[])("compress on %s", (name) => {
  let running: RunningHost;
  let file: string;
  beforeAll(async () => {
    const [command, args] = hosts[name];
    running = await processHost(command, [...args]);
    file = join(tmpdir(), `sluice-compress-${name}-${process.pid}.txt`);
    const handle = await open(file, "w");
    await handle.write("a text file\n".repeat(10_000));
    await handle.close();
  }, 30_000);
  afterAll(async () => {
    await running?.stop();
    await rm(file, { force: true });
  });
  const url = (path: string) => new URL(path, running.url);
  const key = () => `compress-${name}-${++keys}`;
  const stats = async (key: string) => (await (await fetch(url(`/stats?key=${key}`))).json()) as Stats;

  test.each(CODINGS)("an SSE stream sent as %s decodes to exactly the uncompressed stream, in fewer bytes", async (coding) => {
    const plain = await exchange(url("/compress/events?n=300"), undefined);
    const packed = await exchange(url("/compress/events?n=300"), `${coding}, identity;q=0.5`);
    expect(await plain.ended).toBe("complete");
    expect(await packed.ended).toBe("complete");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(packed.headers["content-encoding"]).toBe(coding);
    expect(packed.headers.vary?.toLowerCase()).toContain("accept-encoding");
    expect(packed.headers["cache-control"]).toBe("no-cache, no-transform");
    const bunPrime = /^:\n\n/; // Bun's uncompressed SSE starts with an empty comment (sluice/bun)
    expect(packed.text()).toBe(plain.text().replace(bunPrime, ""));
    expect(plain.text()).toContain('event: token\nid: 299\ndata: {"token":"word8","i":299}\n\n');
    expect(packed.wire().byteLength).toBeLessThan(plain.wire().byteLength / 3);
  });

  test("each chunk arrives decoded before the producer makes the next: the first while its second is held back", async () => {
    const name = key();
    const response = await exchange(url(`/gated?key=${name}`), "gzip");
    expect(response.headers["content-encoding"]).toBe("gzip");
    await response.until("first\n", 5_000);
    await sleep(100);
    expect(response.text()).toBe("first\n"); // the producer still waits at its gate
    await fetch(url(`/release?key=${name}`));
    expect(await response.ended).toBe("complete");
    expect(response.text()).toBe("first\nsecond\n");
  });

  test("a client that stops reading a compressed stream leaves the producer bounded, and its leaving runs the producer's finally", {
    timeout: 20_000,
  }, async () => {
    const name = key();
    const response = await exchange(url(`/compress/flood?key=${name}`), "gzip");
    expect(response.headers["content-encoding"]).toBe("gzip");
    await response.until("a", 5_000);
    response.pause();
    // Buffers fill at the machine's pace (slow when it is busy): wait until the producer
    // has made nothing for 300 ms, then check it stays put.
    let stalled = await stats(name);
    for (const deadline = Date.now() + 8_000; Date.now() < deadline; ) {
      await sleep(300);
      const next = await stats(name);
      if (next.produced === stalled.produced) break;
      stalled = next;
    }
    await sleep(300);
    const later = await stats(name);
    expect(later.produced).toBeLessThan(16 * 1024 * 1024); // socket buffers, not the endless source
    expect(later.produced, "the producer stopped while the client did not read").toBe(stalled.produced);
    response.close();
    expect(
      (
        await eventually(
          () => stats(name),
          (s) => s.finallies === 1,
          2_000,
        )
      ).finallies,
    ).toBe(1);
  });

  test("a client that disconnects from a compressed stream makes the producer's finally run within 1 s", async () => {
    const name = key();
    const response = await exchange(url(`/endless?key=${name}`), "br");
    await response.until("tick 2\n", 5_000);
    response.close();
    const after = await eventually(
      () => stats(name),
      (s) => s.finallies === 1,
      1_000,
    );
    expect(after).toMatchObject({ started: 1, finallies: 1 });
  });

  test.each(CODINGS)(
    "a producer that throws mid-stream leaves a %s response cut off, never a complete compressed stream",
    async (coding) => {
      const response = await exchange(url("/throw"), coding);
      expect(response.headers["content-encoding"]).toBe(coding);
      expect(await response.ended).toBe("cut off");
      expect(response.text()).toContain("part one\n");
      expect(response.text()).not.toContain("the producer failed");
      const decode = coding === "gzip" ? zlib.gunzipSync : coding === "br" ? zlib.brotliDecompressSync : zlib.inflateSync;
      expect(() => decode(response.wire()), "the bytes received are not a whole compressed stream").toThrow();
    },
  );

  test("with onError, the compressed stream ends whole with the last chunk", async () => {
    const response = await exchange(url("/throw-handled"), "gzip");
    expect(await response.ended).toBe("complete");
    expect(response.text()).toBe("part one\n[stream failed]\n");
  });

  test("HEAD of a compressed stream sends the headers a GET would, no body, and stops the producer", async () => {
    const name = key();
    const response = await exchange(url(`/endless?key=${name}`), "gzip", { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers["content-encoding"]).toBe("gzip");
    expect(await response.ended).toBe("complete");
    expect(response.wire().byteLength).toBe(0);
    const after = await eventually(
      () => stats(name),
      (s) => s.finallies === s.started,
      1_000,
    );
    expect(after.finallies).toBe(after.started);
  });

  test("a Range request gets its 206 bytes untouched, and a file that serves ranges is not compressed", async () => {
    const path = `/file?path=${encodeURIComponent(file)}`;
    const ranged = await exchange(url(path), "gzip, br", { headers: { range: "bytes=12-23" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers["content-encoding"]).toBeUndefined();
    expect(await ranged.ended).toBe("complete");
    expect(ranged.text()).toBe("a text file\n");
    const whole = await exchange(url(path), "gzip, br");
    expect(whole.headers["content-encoding"]).toBeUndefined();
    expect(whole.headers["content-length"]).toBe("120000");
    expect(await whole.ended).toBe("complete");
  });

  test.each([
    ["/compress/small", "a body whose Content-Length is below the threshold"],
    ["/compress/png", "a type that does not compress (image/png)"],
    ["/compress/encoded", "a body that already has a Content-Encoding"],
  ])("%s: %s is sent as it is", async (path) => {
    const response = await exchange(url(path), "br, gzip");
    expect(await response.ended).toBe("complete");
    const plain = await exchange(url(path), undefined);
    expect(await plain.ended).toBe("complete");
    expect(response.wire().equals(plain.wire())).toBe(true);
    expect(response.headers["content-encoding"]).toBe(path === "/compress/encoded" ? "gzip" : undefined);
  });

  test("a whole body above the threshold is compressed, without the uncompressed Content-Length", async () => {
    const response = await exchange(url("/compress/large"), "gzip");
    expect(response.headers["content-encoding"]).toBe("gzip");
    expect(await response.ended).toBe("complete");
    expect(response.text()).toBe("a large body\n".repeat(200));
    // None, or (Bun, when the whole compressed body was ready before the headers went
    // out) the compressed length: never the original's 2,600.
    const length = response.headers["content-length"];
    if (length !== undefined) expect(Number(length)).toBe(response.wire().byteLength);
  });

  test.each([
    [undefined, undefined],
    ["identity", undefined],
    ["gzip;q=0, br;q=0, deflate;q=0", undefined],
    ["gzip;q=0.5, br;q=0.9", "br"],
    ["*;q=0.1, br;q=0", "gzip"],
    ["deflate", "deflate"],
  ])("Accept-Encoding %s gets %s, and Vary: Accept-Encoding", async (accept, coding) => {
    const response = await exchange(url("/compress/large"), accept);
    expect(response.headers["content-encoding"]).toBe(coding);
    expect(response.headers.vary?.toLowerCase()).toContain("accept-encoding");
    expect(await response.ended).toBe("complete");
    expect(response.text()).toBe("a large body\n".repeat(200));
  });
});
