import { createReadStream } from "node:fs";
import process from "node:process";
import { openFile, serve } from "../../runtimes/deno.ts";
import { fixture, host } from "../fixture/fixture.ts";
import { controlled, heapAfterGc, shutdownGrace } from "./control.ts";

host.openFile = openFile;
host.readStream = (path) => createReadStream(path);
host.rss = () => process.memoryUsage().rss;
host.heap = heapAfterGc; // started with --v8-flags=--expose-gc (hosts.ts)
host.adapter = { serve: serve as never, openFile: openFile as never };
controlled(await serve(fixture, { port: 0, hostname: "127.0.0.1", shutdownGrace }));
