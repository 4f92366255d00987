/**
 * What `npm start` runs: the demo on Node, on port 8000 (`PORT` to change).
 * Open the printed URL, or try `curl -N http://localhost:8000/sse`.
 * @module
 */
import { serve } from "../runtimes/node.ts";
import { createDemo } from "./app.ts";

const server = await serve(createDemo(), { port: Number(process.env.PORT || 8000) });
console.log(`sluice demo: open ${server.url} in a browser (Ctrl-C to stop)`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
