import { serve } from "../../../runtimes/bun.ts";
import { fixture } from "../fixture.ts";
import { controlled } from "./control.ts";

controlled(await serve(fixture, { port: 0, hostname: "127.0.0.1", shutdownGrace: 2_000 }));
