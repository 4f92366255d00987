// The conformance suite on Hono (@hono/node-server) under Node 20 (test/hosts/node-versions.ts).
import { honoNodeOn } from "../hosts/hosts.ts";
import { conformance } from "./suite.ts";

conformance(honoNodeOn(20));
