/**
 * What the body engine owes its source and its consumer beyond the chunks themselves
 * (issue #10): an unread source is let go when the body ends; the producer's memory is
 * never handed on where it could be filled again; a large chunk goes out in pieces, so a
 * slow but steady consumer is not taken for a stalled one.
 */
import { describe, expect, test } from "vitest";
import { controlOf } from "../../src/_body.ts";
import { StreamAbortError, topics, toStream } from "../../src/index.ts";
import { decoder, readAll, sleep, textChunks, tracked, untilAborted, within } from "./helpers.ts";

/** A source that counts what closes it. */
function counting() {
  const counts = { cancel: 0, return: 0, destroy: 0, next: 0 };
  const stream = new ReadableStream<string>({ pull: (c) => c.enqueue("x"), cancel: () => void counts.cancel++ });
  const iterator: AsyncIterableIterator<string> = {
    next: async () => {
      counts.next++;
      return { done: false, value: "x" };
    },
    return: async () => {
      counts.return++;
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  // What fs.createReadStream() is: an async iterable holding a file from the moment it is made.
  const nodeStream = {
    destroy: () => void counts.destroy++,
    [Symbol.asyncIterator]: async function* () {
      yield "x";
    },
  };
  return { counts, stream, iterator, nodeStream };
}

describe("a source the body never read is let go when the body ends", () => {
  test.each([
    ["a ReadableStream is cancelled", "stream", "cancel"],
    ["an iterator gets its return()", "iterator", "return"],
    ["a Node stream (async iterable with destroy()) is destroyed", "nodeStream", "destroy"],
  ] as const)("cancelled before the first read, %s", async (_, kind, closed) => {
    const { counts, ...sources } = counting();
    await toStream(sources[kind]).cancel(new Error("HEAD"));
    expect(counts[closed]).toBe(1);
    expect(counts.next).toBe(0);
  });

  test("aborted by its signal before the first read (a client gone, a shutdown), the source is let go too", async () => {
    const { counts, stream } = counting();
    const client = new AbortController();
    const body = toStream(stream, { signal: client.signal });
    client.abort(new Error("gone"));
    await expect(body.getReader().read()).rejects.toThrow("gone");
    expect(counts.cancel).toBe(1);
  });

  test("a producer function is never called when its body ends unread", async () => {
    let called = 0;
    await toStream(() => {
      called++;
      return ["x"];
    }).cancel();
    expect(called).toBe(0);
  });
});

describe("the producer's memory", () => {
  /** A producer that fills one buffer per block, as a file read into one reused buffer does. */
  async function* reusing(size: number, blocks: number, wait: boolean) {
    const buffer = new Uint8Array(size);
    for (let block = 0; block < blocks; block++) {
      if (wait) await null;
      buffer.fill(block);
      yield buffer;
    }
  }
  const collect = async (stream: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(stream).arrayBuffer());

  test.each([
    ["4 KiB blocks ready at once (joined into one chunk)", 4096, false],
    ["4 KiB blocks each after an await", 4096, true],
    ["64 KiB blocks (each its own chunk)", 65_536, false],
  ])("a reused buffer of %s arrives as yielded", async (_, size, wait) => {
    const bytes = await collect(toStream(reusing(size, 40, wait)));
    expect(bytes.byteLength).toBe(size * 40);
    for (let block = 0; block < 40; block++) {
      expect(
        bytes.subarray(block * size, (block + 1) * size).every((byte) => byte === block),
        `block ${block}`,
      ).toBe(true);
    }
  });

  test("a direct reader (Node) gets a lone 64 KiB item uncopied, marked lent until its next read", async () => {
    const buffer = new Uint8Array(65_536);
    const direct = controlOf(
      toStream(async function* () {
        yield buffer;
        yield "text";
      }),
    )!.takeOver()!;
    expect(await direct.read()).toBe(buffer);
    expect(direct.lent).toBe(true);
    expect(decoder.decode((await direct.read())!)).toBe("text");
    expect(direct.lent).toBe(false);
  });
});

describe("large chunks go out in 64 KiB pieces, one per pull", () => {
  test("a 1 MiB item is read as 16 pieces of 64 KiB, in order", async () => {
    const item = new Uint8Array(1024 * 1024).map((_, i) => i >> 16);
    const pieces = await readAll(toStream([item]));
    expect(pieces.map((piece) => piece.byteLength)).toEqual(Array(16).fill(65_536));
    for (const [i, piece] of pieces.entries()) expect(piece.every((byte) => byte === i)).toBe(true);
  });

  test("writeTimeout measures a consumer that takes nothing: one that takes a piece every 40 ms of a 1 MiB item is not cut at 300 ms", async () => {
    const reader = toStream([new Uint8Array(1024 * 1024)], { writeTimeout: 300 }).getReader();
    let bytes = 0;
    const started = Date.now();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      bytes += read.value.byteLength;
      await sleep(40);
    }
    expect(bytes).toBe(1024 * 1024);
    expect(Date.now() - started, "the reading took far longer than writeTimeout").toBeGreaterThan(16 * 40);
  });

  test("a consumer that stops taking pieces is still cut after writeTimeout", async () => {
    const reader = toStream([new Uint8Array(1024 * 1024)], { writeTimeout: 50 }).getReader();
    await reader.read();
    await sleep(200);
    await expect(reader.read()).rejects.toMatchObject({ type: "write-timeout" });
  });
});

describe("settled()", () => {
  test("resolves only once a stopped generator has run its finally, also when it was stopped inside a plain timer", async () => {
    const { state, producer } = tracked(async function* () {
      yield "x";
      await sleep(100); // not the signal: the generator returns only when this timer fires
      yield "y";
    });
    const stream = toStream(producer);
    const control = controlOf(stream)!;
    const reader = stream.getReader();
    await reader.read();
    const read = reader.read(); // the generator is now inside sleep(100)
    await sleep(10);
    await reader.cancel(new Error("client left"));
    await read;
    expect(state.finallyRan).toBe(false);
    await within(control.settled(), 1_000, "settled()");
    expect(state.finallyRan).toBe(true);
  });

  test("resolves at once for a body that ended with its source", async () => {
    const stream = toStream(["a"]);
    await new Response(stream).text();
    await within(controlOf(stream)!.settled(), 100, "settled()");
  });

  test("never rejects, even when the source's return() does", async () => {
    const { producer } = tracked(async function* (signal) {
      yield "x";
      await untilAborted(signal).catch(() => sleep(10));
      throw new Error("return failed");
    });
    const stream = toStream(producer);
    const reader = stream.getReader();
    await reader.read();
    void reader.read().catch(() => {});
    await sleep(5);
    await reader.cancel();
    await within(controlOf(stream)!.settled(), 500, "settled()");
  });
});

describe("StreamAbortError", () => {
  test("each type has the name platform checks expect: disconnect AbortError, timeouts TimeoutError, shutdown ShutdownError", () => {
    expect(new StreamAbortError("disconnect", "x").name).toBe("AbortError");
    expect(new StreamAbortError("timeout", "x").name).toBe("TimeoutError");
    expect(new StreamAbortError("write-timeout", "x").name).toBe("TimeoutError");
    expect(new StreamAbortError("shutdown", "x").name).toBe("ShutdownError");
  });
});

describe("prime(): bytes for the first pull when the source has nothing ready (Bun sends headers with the first byte)", () => {
  const PRIME = ":\n\n";
  const primed = (stream: ReadableStream<Uint8Array>) => {
    controlOf(stream)!.prime(new TextEncoder().encode(PRIME));
    return stream;
  };

  test("a source with items ready at once sends them first, and the primed bytes never", async () => {
    const chunks = await textChunks(primed(toStream(["a", "b"])));
    expect(chunks.join("")).toBe("ab");
    expect(chunks[0]).not.toBe(PRIME);
  });

  test("an async generator that yields without waiting counts as ready: its items come first", async () => {
    const chunks = await textChunks(
      primed(
        toStream(
          (async function* () {
            yield "a";
            yield "b";
          })(),
        ),
      ),
    );
    expect(chunks.join("")).toBe("ab");
  });

  test("a source that waits (a timer) gets the primed bytes sent at once, then its items", async () => {
    const stream = primed(
      toStream(
        (async function* () {
          await sleep(50);
          yield "a";
        })(),
      ),
    );
    const reader = stream.getReader();
    const first = await within(reader.read(), 30, "the primed chunk");
    expect(decoder.decode(first.value)).toBe(PRIME);
    expect(decoder.decode((await reader.read()).value)).toBe("a");
  });

  test("a topic with history sends the history first; an empty one sends the primed bytes at once", async () => {
    const hub = topics();
    const topic = hub.topic("primed");
    await topic.publish("kept");
    const withHistory = (
      await primed((await topic.sseResponse(new Request("http://x/"))).body!)
        .getReader()
        .read()
    ).value;
    expect(decoder.decode(withHistory)).toContain("data: kept");
    const empty = hub.topic("empty");
    const reader = primed((await empty.sseResponse(new Request("http://x/"))).body!).getReader();
    expect(decoder.decode((await within(reader.read(), 30, "the primed chunk")).value)).toBe(PRIME);
    await reader.cancel();
    await hub.close();
  });
});
