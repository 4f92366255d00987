import { bun } from "./hosts.ts";
import { conformance } from "./suite.ts";

conformance(bun);
