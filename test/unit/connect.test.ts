import { getEventListeners } from "node:events";
import { afterEach, describe, expect, test } from "vitest";
import { connectEvents, ResponseStatusError, type ClientEvent, type EventStream } from "../../src/client.ts";
import { GAP_EVENT, topics } from "../../src/index.ts";
import { serve } from "../../runtimes/node.ts";
import { cut, drop, scriptServer, sse, status, type ScriptServer, type Step } from "../_support/script-server.ts";
import { sleep, within } from "./helpers.ts";

const servers: ScriptServer[] = [];
async function server(steps: Step[]): Promise<ScriptServer> {
  const made = await scriptServer(steps);
  servers.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((made) => made.close()));
});

/** Fast waits for tests: no jitter, so a wait's length can be checked. */
const quick = { retry: { initial: 10, max: 200, jitter: 0 } };

async function collect(stream: EventStream): Promise<ClientEvent[]> {
  const events: ClientEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

describe("connectEvents reconnects and resumes", () => {
  test("after a clean end, a socket cut mid-event, a network error and a stall, sending Last-Event-ID each time; every event once, a partial one never", async () => {
    const { url, seen } = await server([
      sse("id: 1\ndata: a\n\n"),
      cut("id: 2\ndata: b\n\nid: 3\ndata: cut off before its blank line"),
      drop,
      sse("id: 3\ndata: c\n\n: then nothing, for longer than stallTimeout\n\n", false),
      status(204),
    ]);
    const events = await within(collect(connectEvents(url, { ...quick, stallTimeout: 300 })), 10_000, "the stream");
    expect(events.map(({ data, id, lastEventId }) => ({ data, id, lastEventId }))).toEqual([
      { data: "a", id: "1", lastEventId: "1" },
      { data: "b", id: "2", lastEventId: "2" },
      { data: "c", id: "3", lastEventId: "3" },
    ]);
    expect(seen.map((request) => request.headers["last-event-id"])).toEqual([undefined, "1", "2", "2", "3"]);
    expect(seen.every((request) => request.headers.accept === "text/event-stream")).toBe(true);
    expect(seen[4]!.at - seen[3]!.at, "the stall was noticed after stallTimeout").toBeGreaterThanOrEqual(280);
  });

  test("the stream's retry: field sets the next wait", async () => {
    const { url, seen } = await server([sse("retry: 400\ndata: x\n\n"), status(204)]);
    await collect(connectEvents(url, quick));
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(390);
  });

  test.each([429, 503])("Retry-After on %i sets the next wait", async (code) => {
    const { url, seen } = await server([status(code, { "retry-after": "1" }), status(204)]);
    await collect(connectEvents(url, quick));
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(990);
  });

  test("failures in a row back off exponentially up to retry.max; 408 and 5xx are retried", async () => {
    const { url, seen } = await server([status(500), drop, status(408), status(502), status(500), status(204)]);
    await collect(connectEvents(url, { retry: { initial: 25, max: 120, jitter: 0 } }));
    const waits = seen.slice(1).map((request, i) => request.at - seen[i]!.at);
    const floors = [25, 50, 100, 120, 120];
    for (const [i, wait] of waits.entries()) expect(wait, `wait ${i + 1}`).toBeGreaterThanOrEqual(floors[i]! - 5);
    expect(waits[4]!, "capped at retry.max").toBeLessThan(120 + 400);
  });

  test("a connection that opened ends a run of failures: each drop after a working connection waits the initial time again", async () => {
    const { url, seen } = await server([
      cut("id: 1\ndata: a\n\n"),
      cut("id: 2\ndata: b\n\n"),
      cut("id: 3\ndata: c\n\n"),
      status(204),
    ]);
    const events = await collect(connectEvents(url, { retry: { initial: 100, max: 10_000, jitter: 0 } }));
    expect(events.map((event) => event.data)).toEqual(["a", "b", "c"]);
    const waits = seen.slice(1).map((request, i) => request.at - seen[i]!.at);
    for (const wait of waits) expect(wait).toBeLessThan(100 + 20 + 150); // the cut comes 20 ms after the event; no doubling
  });

  test("a 200 event stream cut before its first byte is a failure in a run: waits still double (sluice's Topics while Redis is down answer so)", async () => {
    // Found by the failover test (test/stress/failover.test.ts): during a Redis outage every
    // attempt was answered 200 and cut at once, and readers retried every retry.initial.
    const emptyCut: Step = (res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 10);
    };
    const { url, seen } = await server([emptyCut, emptyCut, emptyCut, emptyCut, status(204)]);
    await within(collect(connectEvents(url, { retry: { initial: 40, max: 10_000, jitter: 0 } })), 10_000, "the stream");
    const waits = seen.slice(1).map((request, i) => request.at - seen[i]!.at);
    const floors = [40, 80, 160, 320];
    for (const [i, wait] of waits.entries()) expect(wait, `wait ${i + 1}`).toBeGreaterThanOrEqual(floors[i]! - 5);
  });

  test("jitter adds a random part to each wait, at most retry.jitter", async () => {
    const { url, seen } = await server([status(500), status(500), status(500), status(204)]);
    await collect(connectEvents(url, { retry: { initial: 10, max: 10, jitter: 150 } }));
    const waits = seen.slice(1).map((request, i) => request.at - seen[i]!.at);
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(9);
    expect(new Set(waits.map((wait) => Math.round(wait / 10))).size, "not every wait the same").toBeGreaterThan(1);
  });
});

describe("what stops it", () => {
  test("204 stops it cleanly", async () => {
    const { url, seen } = await server([status(204)]);
    expect(await collect(connectEvents(url, quick))).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  test("a 4xx other than 408 and 429 stops it with ResponseStatusError, and its body is let go", async () => {
    const { url, seen } = await server([status(404)]);
    const error = await collect(connectEvents(url, quick)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseStatusError);
    expect((error as ResponseStatusError).status).toBe(404);
    await within(seen[0]!.closed, 2_000, "the connection closed");
    expect(seen).toHaveLength(1);
  });

  test("100 retries against a 503 whose error page never ends leave no connection open: each body is cancelled", async () => {
    const endlessError: Step = (res) => {
      res.writeHead(503, { "content-type": "text/html" });
      res.write("<h1>down</h1>"); // and never ends
    };
    const steps: Step[] = Array.from({ length: 100 }, () => endlessError);
    const { url, seen } = await server([...steps, status(204)]);
    await within(collect(connectEvents(url, { retry: { initial: 1, max: 1, jitter: 0 } })), 20_000, "100 retries");
    expect(seen).toHaveLength(101);
    await within(Promise.all(seen.map((request) => request.closed)), 5_000, "every connection closed");
  });

  test("a response that is not text/event-stream stops it with an error that names the type", async () => {
    const { url } = await server([(res) => res.writeHead(200, { "content-type": "text/html" }).end("<h1>login</h1>")]);
    await expect(collect(connectEvents(url, quick))).rejects.toThrow(
      /expected text\/event-stream from .*, got "text\/html" \(status 200\)/,
    );
  });

  test("what an input or headers function throws stops it, unretried: the caller can refuse an attempt", async () => {
    const { url, seen } = await server([cut("id: 1\ndata: a\n\n")]);
    let attempts = 0;
    const stream = connectEvents(() => {
      if (attempts++ > 0) throw new Error("will not resume: the answer is gone");
      return new Request(url);
    }, quick);
    const got: string[] = [];
    const error = await (async () => {
      for await (const event of stream) got.push(event.data);
    })().catch((e: unknown) => e);
    expect(got).toEqual(["a"]);
    expect((error as Error).message).toBe("will not resume: the answer is gone");
    expect(seen).toHaveLength(1);
    const failing = connectEvents(url, {
      ...quick,
      headers: () => {
        throw new Error("no token");
      },
    });
    await expect(collect(failing)).rejects.toThrow("no token");
  });

  test("an event larger than maxEventSize stops it with a RangeError naming the option", async () => {
    const { url } = await server([sse(`data: ${"x".repeat(5000)}`, false)]);
    await expect(collect(connectEvents(url, { ...quick, maxEventSize: 1000 }))).rejects.toThrow(
      /maxEventSize \(1000 characters\)/,
    );
  });

  test("aborting the signal ends the loop at once, closes the connection, and leaves no timer or listener", async () => {
    const { url, seen } = await server([sse("data: first\n\n", false)]);
    const before = timers();
    const controller = new AbortController();
    const got: string[] = [];
    const reading = (async () => {
      for await (const event of connectEvents(url, { ...quick, signal: controller.signal })) got.push(event.data);
    })();
    await within(
      (async () => {
        while (got.length === 0) await sleep(5);
      })(),
      5_000,
      "the first event",
    );
    controller.abort();
    await within(reading, 500, "the loop to end");
    await within(seen[0]!.closed, 2_000, "the connection closed");
    expect(got).toEqual(["first"]);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  test("an abort while waiting to reconnect ends it too, with no timer left", async () => {
    const { url } = await server([status(503)]);
    const before = timers();
    const controller = new AbortController();
    const reading = collect(
      connectEvents(url, { retry: { initial: 60_000, max: 60_000, jitter: 0 }, signal: controller.signal }),
    );
    await sleep(100);
    controller.abort();
    expect(await within(reading, 500, "the loop to end")).toEqual([]);
    expect(timers()).toBeLessThanOrEqual(before);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  test("break out of the loop closes the connection and leaves no timer", async () => {
    const { url, seen } = await server([sse("data: one\n\ndata: two\n\n", false)]);
    const before = timers();
    for await (const event of connectEvents(url, { ...quick, stallTimeout: 10_000 })) {
      expect(event.data).toBe("one");
      break;
    }
    await within(seen[0]!.closed, 2_000, "the connection closed");
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

describe("a request with a body is never re-sent on its own", () => {
  test("a POST whose stream is cut stops with an error that says how to resume; it was sent once", async () => {
    const { url, seen } = await server([cut("id: 1\ndata: started\n\n"), sse("data: must not be read\n\n")]);
    const got: string[] = [];
    const error = await (async () => {
      for await (const event of connectEvents(url, { ...quick, method: "POST", body: '{"prompt":"hi"}' })) got.push(event.data);
    })().catch((e: unknown) => e);
    expect(got).toEqual(["started"]);
    expect((error as Error).message).toMatch(/never sends twice. Pass `input` as a function/);
    await sleep(50);
    expect(seen.map((request) => [request.method, request.body])).toEqual([["POST", '{"prompt":"hi"}']]);
  });

  test("a POST whose stream ends cleanly is the whole stream", async () => {
    const { url, seen } = await server([sse("data: all of it\n\n")]);
    expect((await collect(connectEvents(url, { ...quick, method: "POST", body: "x" }))).map((event) => event.data)).toEqual([
      "all of it",
    ]);
    await sleep(50);
    expect(seen).toHaveLength(1);
  });

  test("input as a function builds each attempt (POST to start, GET to resume) and headers as a function is called per attempt", async () => {
    const { url, seen } = await server([cut("id: 1\ndata: word1\n\n"), sse("id: 2\ndata: word2\n\n"), status(204)]);
    let attempts = 0;
    let tokens = 0;
    const stream = connectEvents(
      () => (attempts++ === 0 ? new Request(url, { method: "POST", body: "start" }) : new Request(`${url}?resume`)),
      {
        ...quick,
        headers: async () => ({ authorization: `Bearer ${++tokens}` }),
      },
    );
    expect((await collect(stream)).map((event) => event.data)).toEqual(["word1", "word2"]);
    expect(
      seen.map((request) => [
        request.method,
        request.url,
        request.body,
        request.headers.authorization,
        request.headers["last-event-id"],
      ]),
    ).toEqual([
      ["POST", "/events", "start", "Bearer 1", undefined],
      ["GET", "/events?resume", "", "Bearer 2", "1"],
      ["GET", "/events?resume", "", "Bearer 3", "2"],
    ]);
    expect(stream.lastEventId).toBe("2");
  });
});

describe("lastEventId follows the WHATWG rules", () => {
  test("an id-only block sets it, it persists across events, an id with NUL is ignored, and it is resumed from", async () => {
    const { url, seen } = await server([
      sse("id: 5\n\ndata: a\n\nid: bad\0id\ndata: b\n\nevent: note\ndata: c\n\n"),
      sse("id: \ndata: d\n\n"),
      status(204),
    ]);
    const stream = connectEvents(url, { ...quick, lastEventId: "4" });
    const events = await collect(stream);
    expect(events).toEqual([
      { event: "message", data: "a", id: undefined, lastEventId: "5" },
      { event: "message", data: "b", id: undefined, lastEventId: "5" },
      { event: "note", data: "c", id: undefined, lastEventId: "5" },
      { event: "message", data: "d", id: "", lastEventId: "" },
    ]);
    expect(seen.map((request) => request.headers["last-event-id"])).toEqual(["4", "5", undefined]); // an empty id is not sent
    expect(stream.lastEventId).toBe("");
  });
});

describe("with sluice's Topics", () => {
  test("resumes a topic across reconnects with every event once, and surfaces a gap event", async () => {
    const hub = topics({ retain: { events: 1000 } });
    const topic = hub.topic("feed");
    // Each response lives 40 ms, then ends as an error: the client must reconnect and resume, many times.
    const host = await serve((request) => topic.sseResponse(request, { timeout: 40 }), { port: 0, hostname: "127.0.0.1" });
    try {
      const reading = collect(connectEvents(host.url, { retry: { initial: 5, max: 20, jitter: 0 } }));
      for (let i = 0; i < 300; i++) {
        await topic.publish(String(i));
        if (i % 10 === 0) await sleep(3);
      }
      await topic.end();
      const events = await within(reading, 20_000, "the whole topic");
      expect(events.map((event) => event.data)).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));

      const gap = hub.topic("gappy");
      await gap.publish("kept");
      await gap.end();
      const gapHost = await serve((request) => gap.sseResponse(request), { port: 0, hostname: "127.0.0.1" });
      try {
        const seen = await collect(connectEvents(gapHost.url, { ...quick, lastEventId: "an-id-from-before-a-restart" }));
        expect(seen.map((event) => event.event)).toEqual([GAP_EVENT, "message"]);
        expect(JSON.parse(seen[0]!.data)).toMatchObject({ lastEventId: "an-id-from-before-a-restart", reason: "unknown" });
      } finally {
        await gapHost.close();
      }
    } finally {
      await host.close();
      await hub.close();
    }
  });
});

describe("bad input", () => {
  test("clear errors for what connectEvents cannot use", () => {
    expect(() => connectEvents(42 as never)).toThrow(/takes a URL, a Request or a function that returns one, got a number/);
    expect(() => connectEvents("http://x/", { retry: { max: -1 } })).toThrow(
      /`retry.max` must be a finite number of ms >= 0, got -1/,
    );
    expect(() => connectEvents("http://x/", { lastEventId: 7 as never })).toThrow(/`lastEventId` must be a string/);
  });
});
