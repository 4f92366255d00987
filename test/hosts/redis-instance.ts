/**
 * One instance of a service on the Redis store, for the failover test
 * (`test/stress/failover.test.ts`): `sluice/node`'s `serve` on 127.0.0.1:0 with topics on
 * `redisStore({ url: REDIS_URL, prefix: REDIS_PREFIX })`. Prints `{"url"}` as a JSON line,
 * like the other hosts, and exits when its stdin closes (the test process is gone).
 *
 * - `POST /publish?topic=<name>`: publishes the body; `{"id", "ms"}`, or 503 `{"error", "ms"}` with the
 *   store's message (`ms`: how long `publish` took to settle, measured here).
 * - `POST /end?topic=<name>`: ends the topic; 503 `{"error", "ms"}` if it cannot.
 * - `GET /events?topic=<name>`: the topic as SSE (`sseResponse`), with `x-instance: <SLUICE_INSTANCE>`
 *   so a client can tell which instance answered.
 * - `GET /state`: `{ instance, unhandled }`: rejections nothing handled (counted, not fatal).
 */
import process from "node:process";
import { serve } from "../../runtimes/node.ts";
import { topics } from "../../src/index.ts";
import { redisStore } from "../../stores/redis.ts";

const instance = process.env.SLUICE_INSTANCE ?? "instance";
const hub = topics({
  store: redisStore({ url: process.env.REDIS_URL, prefix: process.env.REDIS_PREFIX ?? "sluice:" }),
  retain: { events: 20_000 },
});

let unhandled = 0;
process.on("unhandledRejection", (reason) => {
  unhandled++;
  process.stderr.write(`${instance}: unhandled rejection: ${String((reason as Error)?.stack ?? reason)}\n`);
});

/** Runs `work` (the store's part of a request), answering its result or 503 with its error, and the ms it took. */
async function timed(work: () => Promise<Record<string, unknown>>): Promise<Response> {
  const started = performance.now();
  try {
    const answer = await work();
    return Response.json({ ...answer, ms: performance.now() - started });
  } catch (error) {
    return Response.json({ error: (error as Error).message, ms: performance.now() - started }, { status: 503 });
  }
}

const server = await serve(
  async (request) => {
    const url = new URL(request.url);
    const topic = hub.topic(url.searchParams.get("topic") ?? "default");
    const route = `${request.method} ${url.pathname}`;
    switch (route) {
      case "POST /publish": {
        const data = await request.text();
        return timed(async () => ({ id: await topic.publish(data) }));
      }
      case "POST /end":
        return timed(async () => ({ ended: await topic.end().then(() => true) }));
      case "GET /events": {
        const response = topic.sseResponse(request, { keepAlive: 2_000 });
        response.headers.set("x-instance", instance);
        return response;
      }
      case "GET /state":
        return Response.json({ instance, unhandled });
    }
    return new Response(`no route ${route}`, { status: 404 });
  },
  { port: 0, hostname: "127.0.0.1" },
);

process.stdout.write(JSON.stringify({ url: server.url.href }) + "\n");
process.stdin.resume();
process.stdin.on("end", () => {
  void server.close().then(() => hub.close().then(() => process.exit(0)));
});
