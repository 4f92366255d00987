// The conformance suite on sluice/node under Node 20 (test/hosts/node-versions.ts).
import { nodeOn } from "../hosts/hosts.ts";
import { conformance } from "./suite.ts";

conformance(nodeOn(20));
