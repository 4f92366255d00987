import { node } from "./hosts.ts";
import { conformance } from "./suite.ts";

conformance(node);
