import { workerd } from "../conformance/hosts.ts";
import { stress } from "./scenarios.ts";

stress(workerd);
