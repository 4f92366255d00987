import { deno } from "./hosts.ts";
import { conformance } from "./suite.ts";

conformance(deno);
