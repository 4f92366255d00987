/** The benchmark routes with Hono's own streaming helpers (`streamSSE`, `stream`). */
import { Hono } from "hono";
import { stream, streamSSE } from "hono/streaming";
import { bulk, idle, idleEvents, params, ticks, tiny, tokens } from "../workloads.ts";

export function honoApp(memory: () => { rss: number; heap: number }) {
  const app = new Hono();
  const query = (url: string) => params(new URL(url));
  app.get("/sse", (c) =>
    streamSSE(c, async (s) => {
      for await (const event of tokens(query(c.req.url).n)) await s.writeSSE({ data: JSON.stringify(event.data) });
    }),
  );
  app.get("/tiny", (c) =>
    stream(c, async (s) => {
      for await (const text of tiny(query(c.req.url).n)) await s.write(text);
    }),
  );
  app.get("/bulk", (c) =>
    stream(c, async (s) => {
      for await (const bytes of bulk(query(c.req.url).mib)) await s.write(bytes);
    }),
  );
  app.get("/ticks", (c) =>
    streamSSE(c, async (s) => {
      const { n, ms } = query(c.req.url);
      for await (const event of ticks(n, ms, c.req.raw.signal)) await s.writeSSE({ data: JSON.stringify(event.data) });
    }),
  );
  app.get("/idle", (c) =>
    streamSSE(c, async (s) => {
      const signal = c.req.raw.signal;
      s.onAbort(() => {});
      for await (const event of idleEvents(signal)) await s.writeSSE({ data: JSON.stringify(event.data) });
    }),
  );
  app.get("/stats", (c) => c.json({ ...idle, ...memory() }));
  return app;
}
