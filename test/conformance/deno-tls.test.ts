// The conformance suite on sluice/deno over HTTPS (issue #16): test/hosts/secure.ts.
import { deno, overTls } from "../hosts/hosts.ts";
import { conformance } from "./suite.ts";

conformance(overTls("deno", deno));
