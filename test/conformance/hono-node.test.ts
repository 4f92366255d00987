import { honoNode } from "../hosts/hosts.ts";
import { conformance } from "./suite.ts";

conformance(honoNode);
