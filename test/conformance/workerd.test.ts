import { workerd } from "../hosts/hosts.ts";
import { conformance } from "./suite.ts";

conformance(workerd);
