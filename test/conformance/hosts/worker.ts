import { worker } from "../../../runtimes/workers.ts";
import { fixture } from "../fixture.ts";

export default worker(fixture);
