import { worker } from "../../../runtimes/workers.ts";
import { noteUnhandled } from "../../stress/routes.ts";
import { fixture } from "../fixture.ts";

// workerd logs an unhandled rejection and goes on; the stress suite counts them (GET /stress/state).
addEventListener("unhandledrejection", () => noteUnhandled());

export default worker(fixture);
