/** A benchmark server on Node: `node dist/bench/servers/node.js <variant>`; prints {"url"}. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { serve as honoServe } from "@hono/node-server";
import { serve } from "../../runtimes/node.ts";
import { honoApp } from "./hono-app.ts";
import { naiveApp } from "./naive-app.ts";
import { nodeHttpApp } from "./node-http-app.ts";
import { sluiceApp } from "./sluice-app.ts";
import { announce, memory } from "./common.ts";

switch (process.argv[2]) {
  case "sluice":
    announce((await serve(sluiceApp(memory), { port: 0, hostname: "127.0.0.1" })).port);
    break;
  case "node-http": {
    const server = createServer(nodeHttpApp(memory)).listen(0, "127.0.0.1", () =>
      announce((server.address() as AddressInfo).port),
    );
    break;
  }
  case "hono-node-pull":
    honoServe({ fetch: naiveApp(memory), port: 0, hostname: "127.0.0.1" }, (info) => announce(info.port));
    break;
  case "hono-streamSSE":
    honoServe({ fetch: honoApp(memory).fetch, port: 0, hostname: "127.0.0.1" }, (info) => announce(info.port));
    break;
  default:
    throw new Error(`unknown variant ${process.argv[2]}`);
}
