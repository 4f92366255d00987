/**
 * What `npm run start:worker` runs: the demo as a Cloudflare Worker, with
 * `sluice/workers`, under wrangler (examples/wrangler.toml).
 *
 * The same handler as on Node, Deno and Bun (examples/app.ts), but a Worker makes its
 * topics in each request, on Durable Objects (`durableStore(env.TOPICS)`; the class
 * `TopicObject` is exported here for wrangler to bind), and keeps an answer's run going
 * past its response with `ctx.waitUntil`. The page's modules are static assets
 * (examples/worker-assets.ts); there is no file system.
 * @module
 */
import { topics } from "../src/index.ts";
import { durableStore, type TopicNamespace, TopicObject, worker } from "../runtimes/workers.ts";
import { createDemo, RETAIN } from "./app.ts";

export { TopicObject };

/** The bindings examples/wrangler.toml declares. */
interface Env {
  TOPICS: TopicNamespace;
}

const demo = createDemo({ runtime: "Workers" });

export default worker<Env>((request, env, ctx) =>
  demo(request, {
    topics: topics({ store: durableStore(env.TOPICS), retain: RETAIN }),
    waitUntil: (work) => ctx.waitUntil(work),
  }),
);
