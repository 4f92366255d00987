import { workerd } from "../hosts/hosts.ts";
import { stress } from "./scenarios.ts";

stress(workerd);
