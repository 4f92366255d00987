/**
 * The demo `npm start` runs: a few streaming routes on Node.
 * Open the printed URL, or `curl -N http://localhost:8000/sse`.
 */
import { htmlResponse, lastEventId, ndjsonResponse, sseResponse, streamingResponse } from "../src/index.ts";
import { serve } from "../runtimes/node.ts";

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

const page = `<!doctype html>
<meta charset="utf-8"><title>sluice demo</title>
<h1>sluice demo</h1>
<ul>
  <li><a href="/text">/text</a>: a text stream, one line every 300 ms</li>
  <li><a href="/sse">/sse</a>: server-sent events (below, live through EventSource)</li>
  <li><a href="/ndjson">/ndjson</a>: NDJSON log lines</li>
  <li><a href="/report">/report</a>: an HTML page that renders as it streams</li>
</ul>
<pre id="events"></pre>
<script>
  const out = document.getElementById("events");
  const source = new EventSource("/sse");
  source.addEventListener("tick", (e) => { out.textContent += "tick " + e.lastEventId + ": " + e.data + "\\n"; });
</script>`;

async function handler(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const { signal } = request;
  switch (pathname) {
    case "/":
      return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
    case "/text":
      return streamingResponse(async function* (signal) {
        for (let i = 1; i <= 20; i++) {
          yield `line ${i} of 20\n`;
          await sleep(300, signal);
        }
      }, { signal });
    case "/sse": {
      const after = Number(lastEventId(request) ?? 0);
      return sseResponse(async function* (signal) {
        yield { retry: 2_000, comment: "resuming after " + after };
        for (let id = after + 1; ; id++) {
          yield { event: "tick", id, data: { at: new Date().toISOString() } };
          await sleep(1_000, signal);
        }
      }, { signal });
    }
    case "/ndjson":
      return ndjsonResponse(async function* (signal) {
        for (let i = 1; i <= 10; i++) {
          yield { level: i % 4 === 0 ? "warn" : "info", msg: `event ${i}`, at: Date.now() };
          await sleep(200, signal);
        }
      }, { signal });
    case "/report":
      return htmlResponse(async function* (signal) {
        yield "<!doctype html><meta charset=utf-8><title>Report</title><h1>Report</h1>";
        for (let section = 1; section <= 5; section++) {
          await sleep(500, signal);
          yield `<h2>Section ${section}</h2><p>Computed at ${new Date().toISOString()}</p>`;
        }
        yield "<p><b>Done.</b></p>";
      }, { signal });
    default:
      return new Response("Not found", { status: 404 });
  }
}

const server = await serve(handler, { port: Number(process.env.PORT ?? 8000) });
console.log(`sluice demo listening on ${server.url}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
