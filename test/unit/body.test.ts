import { describe, expect, test } from "vitest";
import { controlOf } from "../../src/_body.ts";
import { StreamAbortError, toStream } from "../../src/index.ts";
import { readAll, decoder, deferred, sleep, textChunks, tracked, untilAborted, within } from "./helpers.ts";

describe("pull", () => {
  test("a producer of 10,000 items behind a consumer that reads 3 chunks has run at most 4 items", async () => {
    const { state, producer } = tracked(async function* (_signal, s) {
      for (let i = 0; i < 10_000; i++) {
        await sleep(1); // a real wait per item, as with I/O: every item is its own chunk
        s.produced++;
        yield `item ${i}\n`;
      }
    });
    const reader = toStream(producer).getReader();
    for (let i = 0; i < 3; i++) expect((await reader.read()).done).toBe(false);
    await sleep(50);
    expect(state.produced).toBeLessThanOrEqual(4);
    await reader.cancel();
  });

  test("a producer whose items are ready at once runs at most one item past what was read", async () => {
    const { state, producer } = tracked(async function* (_signal, s) {
      for (let i = 0; i < 10_000_000; i++) {
        s.produced++;
        yield "x".repeat(100);
      }
    });
    const reader = toStream(producer).getReader();
    let delivered = 0;
    for (let i = 0; i < 3; i++) delivered += (await reader.read()).value!.byteLength / 100;
    await sleep(50);
    expect(delivered).toBeLessThan(1_000); // a chunk is bounded, not the whole source
    expect(state.produced).toBeLessThanOrEqual(delivered + 1);
    await reader.cancel();
  });

  test("nothing of the source runs before the body is first read", async () => {
    let called = false;
    const stream = toStream(() => {
      called = true;
      return ["a"];
    });
    await sleep(10);
    expect(called).toBe(false);
    expect(await textChunks(stream)).toEqual(["a"]);
    expect(called).toBe(true);
  });

  test("highWaterMark lets the producer run ahead by that many bytes, and no further", async () => {
    let produced = 0;
    const stream = toStream(
      async function* () {
        for (;;) {
          await sleep(1);
          produced++;
          yield new Uint8Array(100);
        }
      },
      { highWaterMark: 1_000 },
    );
    await sleep(200);
    // 10 chunks fill the queue; one more is under way when it fills.
    expect(produced).toBeGreaterThanOrEqual(10);
    expect(produced).toBeLessThanOrEqual(11);
    await stream.cancel();
  });
});

describe("coalescing", () => {
  test("items ready at once are joined into one chunk", async () => {
    const chunks = await textChunks(
      toStream(async function* () {
        for (let i = 0; i < 5; i++) yield `${i},`;
      }),
    );
    expect(chunks).toEqual(["0,1,2,3,4,"]);
  });

  test("an item produced after a real wait is sent at once, alone", async () => {
    const release = deferred();
    const reader = toStream(async function* () {
      yield "first";
      yield "second";
      await release.promise;
      yield "late";
    }).getReader();
    expect(decoder.decode((await reader.read()).value)).toBe("firstsecond");
    const next = reader.read();
    await sleep(5);
    release.resolve();
    expect(decoder.decode((await within(next, 100, "the late item")).value)).toBe("late");
    expect((await reader.read()).done).toBe(true);
  });

  test("a sync iterable is joined up to the chunk bound, never into one unbounded chunk", async () => {
    const items = Array.from({ length: 10_000 }, () => "y".repeat(10));
    const chunks = await readAll(toStream(items));
    const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    expect(total).toBe(100_000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.byteLength).toBeLessThanOrEqual(64 * 1024);
  });
});

describe("chunks", () => {
  test("strings are UTF-8; numbers, bigints and booleans are String(x)", async () => {
    const text = (await textChunks(toStream(["héllo ✓ ", 42, " ", 10n, " ", true]))).join("");
    expect(text).toBe("héllo ✓ 42 10 true");
  });

  test("a lone Uint8Array a generator yields reaches a stream reader as a copy, since the generator may fill it again", async () => {
    const bytes = new Uint8Array(64 * 1024).fill(7);
    const reader = toStream(async function* () {
      yield bytes;
      bytes.fill(8); // the producer reuses its buffer once asked for more
      yield bytes;
    }).getReader();
    const first = (await reader.read()).value!;
    const second = (await reader.read()).value!;
    expect(first).not.toBe(bytes);
    expect(first.every((byte) => byte === 7)).toBe(true);
    expect(second.every((byte) => byte === 8)).toBe(true);
    await reader.cancel();
  });

  test("a Uint8Array chunk of a ReadableStream source is passed through without a copy: an enqueued chunk is given away", async () => {
    const bytes = new Uint8Array(64 * 1024).fill(7);
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    const reader = toStream(source).getReader();
    expect((await reader.read()).value).toBe(bytes);
    await reader.cancel();
  });

  test("any ArrayBufferView and ArrayBuffer is sent as its bytes", async () => {
    const view = new DataView(new Uint8Array([9, 1, 2, 9]).buffer, 1, 2);
    const chunks = await readAll(toStream([new Uint16Array([0x0201]), new Uint8Array([3]).buffer, view]));
    expect([...chunks.flatMap((chunk) => [...chunk])]).toEqual([1, 2, 3, 1, 2]);
  });

  test("a string or Uint8Array given as the source is one chunk, not iterated per element", async () => {
    expect(await textChunks(toStream("whole"))).toEqual(["whole"]);
    const bytes = new Uint8Array([1, 2, 3]);
    expect(await readAll(toStream(bytes))).toEqual([bytes]);
  });

  test.each([
    [{ a: 1 }, "an object"],
    [Symbol("s"), "a symbol"],
    [undefined, "undefined"],
    [null, "null"],
  ])("an unsupported chunk (%s) errors the body with a TypeError naming its index and type", async (bad, type) => {
    const stream = toStream(async function* () {
      yield "ok";
      yield bad as unknown as string;
    });
    const reader = stream.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe("ok"); // good items before it still arrive
    const error = await reader.read().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain(`chunk #1 is ${type}`);
    expect((error as Error).message).toContain("ndjsonResponse");
    expect((error as Error).message).toContain("JSON.stringify");
  });

  test("an unsupported chunk stops the producer and runs its finally", async () => {
    const { state, producer } = tracked(async function* () {
      yield { not: "a chunk" } as unknown as string;
      yield "never";
    });
    await expect(new Response(toStream(producer)).text()).rejects.toThrow(TypeError);
    await within(state.finished.promise, 500, "the producer's finally");
    expect(state.signal!.aborted).toBe(true);
  });
});

describe("sources", () => {
  test("a ReadableStream source is streamed, and cancelling the body cancels it", async () => {
    const cancelled = deferred<unknown>();
    const source = new ReadableStream<string>({
      pull: (controller) => controller.enqueue("tick "),
      cancel: (reason) => cancelled.resolve(reason),
    });
    const reader = toStream(source).getReader();
    expect(decoder.decode((await reader.read()).value)).toContain("tick ");
    await reader.cancel("bye");
    expect(await within(cancelled.promise, 500, "the source's cancel")).toBe("bye");
  });

  test("a producer may resolve to its source, e.g. an upstream fetch body", async () => {
    const stream = toStream(async (signal) => {
      await sleep(1);
      return new Response("upstream", { signal } as ResponseInit).body!;
    });
    expect((await textChunks(stream)).join("")).toBe("upstream");
  });

  test("a locked ReadableStream is refused with the fix in the message", () => {
    const locked = new ReadableStream();
    locked.getReader();
    expect(() => toStream(locked)).toThrow(/locked.*tee\(\)/s);
  });

  test("a source that is not iterable is a TypeError naming what it got", () => {
    expect(() => toStream(42 as never)).toThrow(/source is a number, which cannot be streamed/);
    expect(() => toStream({} as never)).toThrow(/an object, which cannot be streamed.*async iterable/s);
  });

  test("a producer that returns something not iterable errors the body", async () => {
    await expect(new Response(toStream((() => 5) as never)).text()).rejects.toThrow(
      /returned by the producer function is a number/,
    );
  });

  test.each([
    ["timeout", -1],
    ["writeTimeout", Number.NaN],
    ["highWaterMark", Infinity],
    ["timeout", "10"],
  ])("option %s = %s is a RangeError that names it", (name, value) => {
    expect(() => toStream([], { [name]: value })).toThrow(RangeError);
    expect(() => toStream([], { [name]: value })).toThrow(new RegExp(`\`${name}\``));
  });

  test("a signal that is not an AbortSignal, or onError that is not a function, is a TypeError", () => {
    expect(() => toStream([], { signal: {} as AbortSignal })).toThrow(/`signal` must be an AbortSignal/);
    expect(() => toStream([], { onError: "x" as never })).toThrow(/`onError` must be a function/);
  });
});

describe("cancellation", () => {
  function endless() {
    return tracked(async function* (_signal, s) {
      for (;;) {
        s.produced++;
        yield "tick\n";
        await sleep(2);
      }
    });
  }

  test("consumer cancel aborts the producer's signal and runs its finally", async () => {
    const { state, producer } = endless();
    const reader = toStream(producer).getReader();
    await reader.read();
    await reader.cancel(new Error("client left"));
    await within(state.finished.promise, 500, "the producer's finally");
    expect(state.signal!.aborted).toBe(true);
    expect((state.signal!.reason as Error).message).toBe("client left");
  });

  test("options.signal abort errors the body, aborts the producer's signal and runs its finally", async () => {
    const { state, producer } = endless();
    const request = new AbortController();
    const reader = toStream(producer, { signal: request.signal }).getReader();
    await reader.read();
    request.abort(new Error("request aborted"));
    await within(state.finished.promise, 500, "the producer's finally");
    expect(state.signal!.aborted).toBe(true);
    await expect(reader.read()).rejects.toThrow("request aborted");
  });

  test("an already aborted signal never starts the producer", async () => {
    let started = false;
    const stream = toStream(
      () => {
        started = true;
        return ["x"];
      },
      { signal: AbortSignal.abort(new Error("gone")) },
    );
    await expect(new Response(stream).text()).rejects.toThrow("gone");
    expect(started).toBe(false);
  });

  test("timeout ends the body as an error, aborts the producer's signal and runs its finally", async () => {
    const { state, producer } = endless();
    const started = Date.now();
    const read = new Response(toStream(producer, { timeout: 50 })).text();
    const error = await read.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamAbortError);
    expect((error as StreamAbortError).type).toBe("timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    await within(state.finished.promise, 500, "the producer's finally");
    expect(state.signal!.reason).toBe(error);
  });

  test("writeTimeout ends a stream whose consumer stopped reading, and runs the producer's finally", async () => {
    const { state, producer } = endless();
    const reader = toStream(producer, { writeTimeout: 50 }).getReader();
    await reader.read();
    // The consumer stalls: no read for longer than writeTimeout.
    await within(state.finished.promise, 1_000, "the producer's finally");
    expect(state.signal!.aborted).toBe(true);
    const reason = state.signal!.reason as StreamAbortError;
    expect(reason).toBeInstanceOf(StreamAbortError);
    expect(reason.type).toBe("write-timeout");
    expect(reason.message).toMatch(/read nothing for 50 ms/);
    await expect(reader.read()).rejects.toBe(reason);
  });

  test("writeTimeout does not fire while the consumer keeps reading a slow producer", async () => {
    const stream = toStream(
      async function* () {
        for (let i = 0; i < 3; i++) {
          await sleep(40);
          yield `${i}`;
        }
      },
      { writeTimeout: 20 },
    );
    expect((await textChunks(stream)).join("")).toBe("012");
  });

  test("a producer stuck in an await that never resolves by itself stops when its signal aborts", async () => {
    const { state, producer } = tracked(async function* (signal) {
      yield "first";
      await untilAborted(signal); // e.g. a fetch or a queue wait handed the signal
      yield "never";
    });
    const reader = toStream(producer).getReader();
    await reader.read();
    const pending = reader.read(); // the pull is now waiting inside the producer
    await sleep(10);
    await reader.cancel(new Error("stop"));
    await within(state.finished.promise, 500, "the producer's finally");
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  test("a finally that throws on return() is handled, not an unhandled rejection", async () => {
    const stream = toStream(async function* () {
      try {
        for (;;) {
          yield "x";
          await sleep(1);
        }
      } finally {
        // biome-ignore lint/correctness/noUnsafeFinally: the case under test is a finally that throws
        throw new Error("cleanup failed");
      }
    });
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    await sleep(20); // the afterEach hook fails the test if the rejection went unhandled
  });

  test("a source stream whose cancel() rejects is handled, not an unhandled rejection", async () => {
    const source = new ReadableStream<string>({
      pull: (controller) => controller.enqueue("a"),
      cancel: () => Promise.reject(new Error("cancel failed")),
    });
    const reader = toStream(source).getReader();
    await reader.read();
    await reader.cancel();
    await sleep(20);
  });
});

describe("errors", () => {
  test("a throwing source makes response.text() reject, never a clean end", async () => {
    const body = toStream(async function* () {
      yield "partial ";
      throw new Error("database went away");
    });
    await expect(new Response(body).text()).rejects.toThrow("database went away");
  });

  test("the chunks before the error are delivered, then the read rejects", async () => {
    const reader = toStream(async function* () {
      yield "a";
      await sleep(1);
      yield "b";
      throw new Error("boom");
    }).getReader();
    expect(decoder.decode((await reader.read()).value)).toBe("a");
    expect(decoder.decode((await reader.read()).value)).toBe("b");
    await expect(reader.read()).rejects.toThrow("boom");
  });

  test("with onError returning a chunk, that chunk is the last thing read and the body ends cleanly", async () => {
    const seen: unknown[] = [];
    const body = toStream(
      async function* () {
        yield "data ";
        throw new Error("secret detail");
      },
      {
        onError: (error) => {
          seen.push(error);
          return "[stream failed]";
        },
      },
    );
    const text = await new Response(body).text();
    expect(text).toBe("data [stream failed]");
    expect(text).not.toContain("secret detail");
    expect((seen[0] as Error).message).toBe("secret detail");
  });

  test("onError returning nothing still errors the body", async () => {
    const body = toStream(
      async function* () {
        throw new Error("boom");
      },
      { onError: () => undefined },
    );
    await expect(new Response(body).text()).rejects.toThrow("boom");
  });

  test("onError that throws errors the body with its own error", async () => {
    const body = toStream(
      async function* () {
        throw new Error("first");
      },
      {
        onError: () => {
          throw new Error("second");
        },
      },
    );
    await expect(new Response(body).text()).rejects.toThrow("second");
  });

  test("a timeout is offered to onError, whose chunk ends the body", async () => {
    const body = toStream(
      async function* (signal) {
        yield "waiting ";
        await untilAborted(signal);
      },
      { timeout: 30, onError: (error) => `[${(error as StreamAbortError).type}]` },
    );
    expect(await new Response(body).text()).toBe("waiting [timeout]");
  });

  test("a sync iterator whose next() throws errors the body", async () => {
    const iterable: Iterable<string> = {
      [Symbol.iterator]: () => ({
        next: () => {
          throw new Error("sync boom");
        },
      }),
    };
    await expect(new Response(toStream(iterable)).text()).rejects.toThrow("sync boom");
  });
});

describe("direct reading (the Node adapter's path)", () => {
  test("takeOver() reads the same chunks as the stream would, then null, and locks the stream", async () => {
    const stream = toStream(async function* () {
      yield "a";
      await sleep(1);
      yield "b";
    });
    const direct = controlOf(stream)!.takeOver()!;
    expect(stream.locked).toBe(true);
    const chunks: string[] = [];
    for (let chunk = await direct.read(); chunk !== null; chunk = await direct.read()) chunks.push(decoder.decode(chunk));
    expect(chunks).toEqual(["a", "b"]);
  });

  test("takeOver() is refused once the stream has been read, or with a highWaterMark", async () => {
    const read = toStream(["x", "y"]);
    await read.getReader().read();
    expect(controlOf(read)!.takeOver()).toBeUndefined();
    expect(controlOf(toStream(["x"], { highWaterMark: 10 }))!.takeOver()).toBeUndefined();
  });

  test("a throwing source rejects the direct read, after the chunks before it", async () => {
    const direct = controlOf(
      toStream(async function* () {
        yield "ok";
        await sleep(1);
        throw new Error("direct boom");
      }),
    )!.takeOver()!;
    expect(decoder.decode((await direct.read())!)).toBe("ok");
    await expect(direct.read()).rejects.toThrow("direct boom");
  });

  test("cancel() stops the producer and runs its finally; a pending read ends with null", async () => {
    const { state, producer } = tracked(async function* (signal) {
      yield "first";
      await untilAborted(signal);
    });
    const direct = controlOf(toStream(producer))!.takeOver()!;
    await direct.read();
    const pending = direct.read();
    direct.cancel(new Error("client left"));
    expect(await pending).toBeNull();
    await within(state.finished.promise, 500, "the producer's finally");
  });

  test("abort() (server shutdown) rejects a pending direct read with the reason", async () => {
    const stream = toStream(async function* (signal) {
      yield "first";
      await untilAborted(signal);
    });
    const control = controlOf(stream)!;
    const direct = control.takeOver()!;
    await direct.read();
    const pending = direct.read();
    const reason = new StreamAbortError("shutdown", "bye");
    control.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});
