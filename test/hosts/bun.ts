import { openFile, serve } from "../../runtimes/bun.ts";
import { fixture } from "../fixture/fixture.ts";
import { controlled, shutdownGrace } from "./control.ts";
import { bunHeap, equip } from "./equip.ts";

equip({ openFile, serve }, bunHeap);
controlled(await serve(fixture, { port: 0, hostname: "127.0.0.1", shutdownGrace }));
