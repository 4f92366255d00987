import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createReadStream } from "node:fs";
import process from "node:process";
import { openFile } from "../../runtimes/node.ts";
import { handle } from "../../runtimes/hono.ts";
import { fixture, host } from "../fixture/fixture.ts";
import { controlled } from "./control.ts";

// A Hono app whose routes return sluice responses as they are, plus the auto-detected
// returns through sluice/hono's handle().
host.openFile = openFile;
host.readStream = (path) => createReadStream(path);
host.rss = () => process.memoryUsage().rss;
const app = new Hono();
app.get(
  "/auto/generator",
  handle(function* () {
    yield "from ";
    yield "a generator";
  }),
);
app.get(
  "/auto/async-generator",
  handle(async function* () {
    yield "from ";
    yield "an async generator";
  }),
);
app.get(
  "/auto/string",
  handle(() => "a string"),
);
app.get(
  "/auto/object",
  handle(() => ({ auto: true })),
);
app.get(
  "/auto/bytes",
  handle(() => new Uint8Array([104, 105])),
);
app.get(
  "/auto/null",
  handle(() => null),
);
app.all("*", (c) => fixture(c.req.raw));

const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  controlled({
    url: new URL(`http://127.0.0.1:${info.port}/`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
});
