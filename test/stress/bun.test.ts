import { bun } from "../conformance/hosts.ts";
import { stress } from "./scenarios.ts";

stress(bun);
