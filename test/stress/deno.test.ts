import { deno } from "../conformance/hosts.ts";
import { stress } from "./scenarios.ts";

stress(deno);
