import { worker } from "../../runtimes/workers.ts";
import { noteUnhandled } from "../fixture/stress-routes.ts";
import { fixture } from "../fixture/fixture.ts";

// workerd logs an unhandled rejection and goes on; the stress suite counts them (GET /stress/state).
addEventListener("unhandledrejection", () => noteUnhandled());

export default worker(fixture);
