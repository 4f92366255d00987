/**
 * The conformance fixture behind `compress(fixture)`, served by sluice's adapter of the
 * runtime it runs on: Node (from the build), Deno or Bun (from source). Equipped as the
 * plain hosts are (equip.ts).
 */
import { fixture } from "../fixture/fixture.ts";
import { controlled, shutdownGrace } from "./control.ts";
import { bunHeap, equip, runtime, runtimeAdapter } from "./equip.ts";

const adapter = await runtimeAdapter();
equip(adapter, runtime === "bun" ? bunHeap : undefined);
controlled(await adapter.serve(adapter.compress(fixture), { port: 0, hostname: "127.0.0.1", shutdownGrace }));
