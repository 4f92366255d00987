/** A benchmark server on Node: `node dist/bench/servers/node.js <variant>`; prints {"url"}. */
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { serve as honoServe } from "@hono/node-server";
import { compress, serve } from "../../runtimes/node.ts";
import { redisStore } from "../../stores/redis.ts";
import { honoApp } from "./hono-app.ts";
import { naiveApp } from "./naive-app.ts";
import { nodeHttpApp } from "./node-http-app.ts";
import { sluiceApp } from "./sluice-app.ts";
import { betterSseNodeApp } from "./better-sse-app.ts";
import { nodeHttpLoopApp } from "./broadcast-loop-app.ts";
import { topicsApp } from "./topics-app.ts";
import { announce, memory } from "./common.ts";

/** Serves a `node:http` listener on 127.0.0.1:0 and announces its port. */
function listen(handler: RequestListener) {
  const server = createServer(handler).listen(0, "127.0.0.1", () => announce((server.address() as AddressInfo).port));
}

switch (process.argv[2]) {
  case "sluice":
    announce((await serve(sluiceApp(memory), { port: 0, hostname: "127.0.0.1" })).port);
    break;
  case "sluice-compress":
    announce((await serve(compress(sluiceApp(memory)), { port: 0, hostname: "127.0.0.1" })).port);
    break;
  case "node-http":
    listen(nodeHttpApp(memory));
    break;
  case "hono-node-pull":
    honoServe({ fetch: naiveApp(memory), port: 0, hostname: "127.0.0.1" }, (info) => announce(info.port));
    break;
  case "hono-streamSSE":
    honoServe({ fetch: honoApp(memory).fetch, port: 0, hostname: "127.0.0.1" }, (info) => announce(info.port));
    break;
  // The fan-out variants.
  case "sluice-topics":
    announce((await serve(await topicsApp(memory), { port: 0, hostname: "127.0.0.1" })).port);
    break;
  case "sluice-topics-redis": {
    // The Redis and the key prefix come from the bench (bench/redis.ts): instances given the same prefix share their topics.
    const url = process.env.SLUICE_BENCH_REDIS;
    if (url === undefined) throw new Error("sluice-topics-redis needs SLUICE_BENCH_REDIS (the bench sets it)");
    const store = redisStore({ url, prefix: process.env.SLUICE_BENCH_PREFIX ?? `bench-${process.pid}:` });
    announce((await serve(await topicsApp(memory, store), { port: 0, hostname: "127.0.0.1" })).port);
    break;
  }
  case "node-http-loop":
    listen(nodeHttpLoopApp(memory));
    break;
  case "better-sse":
    listen(betterSseNodeApp(memory));
    break;
  default:
    throw new Error(`unknown variant ${process.argv[2]}`);
}
