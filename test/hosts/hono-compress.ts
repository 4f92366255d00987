/**
 * A Hono app behind Hono's own compress() middleware, served by sluice's adapter of the
 * runtime it runs on (Node from the build, Bun from source), controlled like every host. Its routes stream HTML and NDJSON whose second part waits until /release, and stamped SSE events.
 */
import { Hono } from "hono";
import { compress } from "hono/compress";
import { htmlResponse, ndjsonResponse } from "../../src/index.ts";
import { compressRoute } from "../fixture/compress-routes.ts";
import { sleep } from "../_support/time.ts";
import { controlled } from "./control.ts";

const released = new Set<string>();

/** Yields `first`, waits until `key` is released, then yields `second`. */
function gated<T>(key: string, first: T, second: T) {
  return async function* (signal: AbortSignal) {
    yield first;
    while (!released.has(key) && !signal.aborted) await sleep(5);
    yield second;
  };
}

const app = new Hono();
app.use(compress());
app.get("/html", (c) =>
  htmlResponse(gated(c.req.query("key") ?? "", "<p>first</p>", "<p>second</p>"), { signal: c.req.raw.signal }),
);
app.get("/ndjson", (c) =>
  ndjsonResponse(gated(c.req.query("key") ?? "", { part: "first" }, { part: "second" }), { signal: c.req.raw.signal }),
);
// SSE events stamped when yielded, with sluice's default headers (the no-buffering test).
app.get("/compress/ticks", (c) => compressRoute(c.req.raw, () => ({ started: 0, finallies: 0, produced: 0 }))!);
app.get("/release", (c) => {
  released.add(c.req.query("key") ?? "");
  return c.text("released");
});

const isBun = "Bun" in globalThis;
const { serve } = isBun ? await import("../../runtimes/bun.ts") : await import("../../runtimes/node.ts");
const server = await serve(app.fetch, { port: 0, hostname: "127.0.0.1" });
controlled(server);
