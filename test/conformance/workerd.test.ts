import { workerd } from "./hosts.ts";
import { conformance } from "./suite.ts";

conformance(workerd);
