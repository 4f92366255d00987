/**
 * The conformance fixture over HTTPS, served by sluice's adapter of the runtime it runs
 * on: Node (from the build), Deno or Bun (from source). The certificate and key are the
 * files named by SLUICE_TLS_CERT and SLUICE_TLS_KEY; SLUICE_COMPRESS=1 wraps the fixture
 * in `compress`. Equipped as the plain hosts are (equip.ts), so the whole conformance
 * suite runs on it (hosts.ts, `overTls`).
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { fixture } from "../fixture/fixture.ts";
import { controlled, shutdownGrace } from "./control.ts";
import { bunHeap, equip, runtime, runtimeAdapter } from "./equip.ts";

const adapter = await runtimeAdapter();

equip(adapter, runtime === "bun" ? bunHeap : undefined); // V8 heap: where started with GC exposed (hosts.ts)
const tls = { cert: readFileSync(process.env.SLUICE_TLS_CERT!, "utf8"), key: readFileSync(process.env.SLUICE_TLS_KEY!, "utf8") };
const handler = process.env.SLUICE_COMPRESS === "1" ? adapter.compress(fixture) : fixture;
controlled(await adapter.serve(handler, { port: 0, hostname: "127.0.0.1", shutdownGrace, tls }));
