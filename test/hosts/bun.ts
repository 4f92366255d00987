import { createReadStream } from "node:fs";
import process from "node:process";
import { openFile, serve } from "../../runtimes/bun.ts";
import { fixture, host } from "../fixture/fixture.ts";
import { controlled, shutdownGrace } from "./control.ts";

host.openFile = openFile;
host.readStream = (path) => createReadStream(path);
host.rss = () => process.memoryUsage().rss;
host.heap = () => {
  (globalThis as unknown as { Bun: { gc(sync: boolean): void } }).Bun.gc(true);
  return process.memoryUsage().heapUsed;
};
host.adapter = { serve: serve as never, openFile: openFile as never };
controlled(await serve(fixture, { port: 0, hostname: "127.0.0.1", shutdownGrace }));
