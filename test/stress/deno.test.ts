import { deno } from "../hosts/hosts.ts";
import { stress } from "./scenarios.ts";

stress(deno);
