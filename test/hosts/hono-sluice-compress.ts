/**
 * The conformance fixture as a Hono app behind sluice's Hono middleware `compress()`,
 * served by sluice/node.
 */
import { Hono } from "hono";
import { createReadStream } from "node:fs";
import process from "node:process";
import { compress } from "../../runtimes/hono.ts";
import { openFile, serve } from "../../runtimes/node.ts";
import { fixture, host } from "../fixture/fixture.ts";
import { controlled, shutdownGrace } from "./control.ts";

host.openFile = openFile;
host.readStream = (path) => createReadStream(path);
host.rss = () => process.memoryUsage().rss;
const app = new Hono();
app.use(compress());
app.all("*", (c) => fixture(c.req.raw));
controlled(await serve(app.fetch, { port: 0, hostname: "127.0.0.1", shutdownGrace }));
