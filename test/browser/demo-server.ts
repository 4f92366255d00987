/**
 * The demo's handler on a real port for one test, with what the server saw.
 * @module
 */
import { createDemo } from "../../examples/app.ts";
import type { Trace } from "../../examples/trace.ts";
import { compress, openFile, serve } from "../../runtimes/node.ts";
import { modulesRoute } from "../../examples/routes/modules.ts";

/** A running demo server. */
export interface RunningDemo {
  /** e.g. `http://127.0.0.1:41234/` */
  url: URL;
  /** Everything the server traced, in order. */
  traces: Trace[];
  /** The raw `Last-Event-ID` header of each SSE connection, in order (`null`: none). */
  lastEventIdHeaders(): (string | null)[];
  /** Report sections the producer has yielded so far. */
  reportSectionsSent(): number[];
  /** Each connection to an answer: its method, and the raw `Last-Event-ID` header it carried (`null`: none). */
  answerRequests(): { method: string; lastEventIdHeader: string | null }[];
  /** Closes the server, then the demo's topics (answers still running stop). */
  close(): Promise<void>;
}

/** Starts the demo on 127.0.0.1 and a free port. */
export async function startDemo(): Promise<RunningDemo> {
  const traces: Trace[] = [];
  const topics = new AbortController();
  const demo = createDemo({
    runtime: "Node",
    modules: modulesRoute(openFile),
    trace: (trace) => traces.push(trace),
    signal: topics.signal,
  });
  const server = await serve(compress(demo), {
    hostname: "127.0.0.1",
    port: 0,
    shutdownGrace: 1_000,
  });
  return {
    url: server.url,
    traces,
    lastEventIdHeaders: () => traces.flatMap((trace) => (trace.route === "sse" ? [trace.lastEventIdHeader] : [])),
    reportSectionsSent: () => traces.flatMap((trace) => (trace.route === "report" ? [trace.section] : [])),
    answerRequests: () =>
      traces.flatMap((trace) =>
        trace.route === "answer" ? [{ method: trace.method, lastEventIdHeader: trace.lastEventIdHeader }] : [],
      ),
    close: async () => {
      await server.close();
      topics.abort();
    },
  };
}
