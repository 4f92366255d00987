import { node } from "../conformance/hosts.ts";
import { stress } from "./scenarios.ts";

stress(node);
