/**
 * What `npm start` runs: the demo on Node, on port 8000 (`PORT` to change).
 * Open the printed URL, or try `curl -N http://localhost:8000/sse`.
 *
 * With `REDIS_URL` set, the room and the answers are kept in that Redis, so several
 * instances share them: `REDIS_URL=redis://127.0.0.1:6379 npm start` and, in another
 * terminal, `REDIS_URL=redis://127.0.0.1:6379 PORT=8788 npm start`.
 * @module
 */
import { openFile, serve } from "../runtimes/node.ts";
import { redisStore } from "../stores/redis.ts";
import { createDemo } from "./app.ts";
import { modulesRoute } from "./routes/modules.ts";

const redisUrl = process.env.REDIS_URL;
const store = redisUrl ? redisStore({ url: redisUrl }) : undefined;
const demo = createDemo({ runtime: "Node", modules: modulesRoute(openFile), ...(store && { store }) });
const server = await serve(demo, { port: Number(process.env.PORT || 8000) });
console.log(`sluice demo: open ${server.url} in a browser (Ctrl-C to stop)`);
if (store) console.log(`topics (room, answers) are kept in Redis at ${redisUrl?.replace(/\/\/([^@/]*):[^@/]*@/, "//$1:****@")}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
