/**
 * Invalid input to the functions that run on the client side (`sluice/client`) and to
 * Node's `toNodeHandler`, in this process. The core and the adapters' own battery runs
 * inside every host (battery.ts, through scenarios.ts).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { readChunks, readEvents, readLines, readNdjson } from "../../src/client.ts";
import { ResponseStatusError } from "../../src/errors.ts";
import { toNodeHandler } from "../../runtimes/node.ts";
import { request } from "../_support/http-client.ts";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on("unhandledRejection", onUnhandled);
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
});
afterEach(async () => {
  await new Promise((resolve) => setTimeout(resolve, 5)); // rejections are reported after a macrotask
  expect(unhandled.splice(0), "unhandled rejections").toEqual([]);
});

const readers = { readChunks, readLines, readNdjson, readEvents } as const;
type Reader = (typeof readers)[keyof typeof readers];
const drain = async (iterable: AsyncIterable<unknown>) => {
  const items: unknown[] = [];
  for await (const item of iterable) items.push(item);
  return items;
};
const failing = (after: string) =>
  new ReadableStream<Uint8Array>({
    pulls: 0,
    pull(controller) {
      if (this.pulls++ === 0) controller.enqueue(new TextEncoder().encode(after));
      else controller.error(new Error("stress: the network failed"));
    },
  } as UnderlyingDefaultSource<Uint8Array> & { pulls: number });

describe.each(Object.entries(readers) as [string, Reader][])("%s with bad input", (name, read) => {
  test.each([42, null, undefined, "text", {}])(`${name}(%s) is a TypeError naming what it takes`, async (bad) => {
    await expect(drain(read(bad as never))).rejects.toThrow(/takes a Response or a ReadableStream/);
  });

  test("a Response whose body was already read is a TypeError", async () => {
    const used = new Response("x\n");
    await used.text();
    await expect(drain(read(used))).rejects.toThrow(/already read/);
  });

  test("a locked stream is a TypeError", async () => {
    const locked = new Response("x\n").body!;
    locked.getReader();
    await expect(drain(read(locked))).rejects.toThrow(/locked/);
  });

  test("a 503 response is a ResponseStatusError with its status", async () => {
    const error = await drain(read(new Response("down", { status: 503 }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseStatusError);
    expect((error as ResponseStatusError).status).toBe(503);
  });

  test("a body that fails mid-way rejects with its error, never a clean end or a hang", async () => {
    await expect(drain(read(failing('{"a":1}\n')))).rejects.toThrow(/network failed/);
  });
});

test("readNdjson of a line that is not JSON is a SyntaxError naming the line number", async () => {
  await expect(drain(readNdjson(new Response('{"ok":1}\n\n{oops}\n')))).rejects.toThrow(/NDJSON line 3 is not JSON/);
});

test("readEvents of bytes that are not an event stream yields nothing and ends", async () => {
  expect(await drain(readEvents(new Response(new Uint8Array([0xff, 0x00, 0x0a, 0x0a]))))).toEqual([]);
});

describe("toNodeHandler with bad input", () => {
  let server: Server | undefined;
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  test("toNodeHandler(42) is a TypeError", () => {
    expect(() => toNodeHandler(42 as never)).toThrow(/expected a fetch handler/);
  });

  test("a handler that returns a non-Response, throws, or rejects gets a 500, and the server keeps serving", async () => {
    const handler = toNodeHandler((request) => {
      const path = new URL(request.url).pathname;
      if (path === "/number") return 42 as never;
      if (path === "/throws") throw new Error("stress: the handler threw");
      if (path === "/rejects") return Promise.reject(new Error("stress: the handler rejected"));
      return new Response("fine");
    });
    const quiet = console.error;
    console.error = () => {}; // the adapter logs each failure; that is expected here
    try {
      server = createServer(handler);
      await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
      const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      for (const path of ["/number", "/throws", "/rejects"]) expect((await request(url, path).done).status, path).toBe(500);
      const fine = request(url, "/", { keepBody: true });
      expect(await fine.done).toMatchObject({ status: 200, complete: true });
      expect(fine.text).toBe("fine");
    } finally {
      console.error = quiet;
    }
  });
});
