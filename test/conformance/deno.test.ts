import { deno } from "../hosts/hosts.ts";
import { conformance } from "./suite.ts";

conformance(deno);
