// The conformance project's set-up: the Node binaries its Node hosts run on (test/hosts/node-versions.ts).
import { fetchNodeBinaries } from "../hosts/node-versions.ts";

export function setup(): void {
  fetchNodeBinaries();
}
