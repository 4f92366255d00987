import { honoNode } from "./hosts.ts";
import { conformance } from "./suite.ts";

conformance(honoNode);
