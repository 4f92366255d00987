import { bun } from "../hosts/hosts.ts";
import { stress } from "./scenarios.ts";

stress(bun);
