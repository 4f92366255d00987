import { openFile, serve } from "../../runtimes/deno.ts";
import { fixture } from "../fixture/fixture.ts";
import { controlled, shutdownGrace } from "./control.ts";
import { equip } from "./equip.ts";

equip({ openFile, serve }); // heap: started with --v8-flags=--expose-gc (hosts.ts)
controlled(await serve(fixture, { port: 0, hostname: "127.0.0.1", shutdownGrace }));
