import { node } from "../hosts/hosts.ts";
import { conformance } from "./suite.ts";

conformance(node);
