import { bun } from "../hosts/hosts.ts";
import { conformance } from "./suite.ts";

conformance(bun);
