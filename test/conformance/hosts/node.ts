import process from "node:process";
import { openFile, serve } from "../../../runtimes/node.ts";
import { fixture, host } from "../fixture.ts";
import { controlled } from "./control.ts";

host.openFile = openFile;
host.rss = () => process.memoryUsage().rss;
controlled(await serve(fixture, { port: 0, hostname: "127.0.0.1", shutdownGrace: 2_000 }));
