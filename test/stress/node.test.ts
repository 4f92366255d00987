import { node } from "../hosts/hosts.ts";
import { stress } from "./scenarios.ts";

stress(node);
