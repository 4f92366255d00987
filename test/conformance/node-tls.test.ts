// The conformance suite on sluice/node over HTTPS (issue #16): test/hosts/secure.ts, on the Node running the tests.
import { node, overTls } from "../hosts/hosts.ts";
import { conformance } from "./suite.ts";

conformance(overTls("node", node));
