/**
 * The demo's one page: plain HTML and CSS; its behaviour is in examples/browser/, loaded
 * as ES modules.
 * @module
 */
import type { Runtime } from "./app.ts";
import { MESSAGE_MAX } from "./routes/room.ts";
import { DEFAULT_END_AFTER } from "./routes/sse.ts";

/**
 * The page's entry module: /modules/ + its path under dist/ (served by
 * examples/routes/modules.ts, or as a Worker's static assets).
 */
const MAIN_MODULE_URL = "/modules/examples/browser/main.js";
/** The URL the page's import map gives eventsource-parser: its build's entry module. */
export const EVENTSOURCE_PARSER_URL = "/vendor/eventsource-parser/index.js";

const IMPORT_MAP = JSON.stringify({ imports: { "eventsource-parser": EVENTSOURCE_PARSER_URL } });

const STYLE = `
  :root { color-scheme: light; --ink: #1d2733; --muted: #5b6776; --line: #d9dee5; --accent: #2f7de1;
          --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--ink); background: #f5f7fa; }
  header { padding: 18px 24px 6px; }
  header h1 { margin: 0; font-size: 22px; }
  header p { margin: 4px 0 0; color: var(--muted); }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; padding: 16px 24px 24px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; min-width: 0; }
  h2 { margin: 0 0 2px; font-size: 16px; display: flex; align-items: center; gap: 8px; }
  .code { margin: 0 0 10px; color: var(--muted); font: 12px ui-monospace, monospace; }
  .badge { font: 600 11px system-ui, sans-serif; padding: 2px 8px; border-radius: 10px; background: #eef1f5; color: var(--muted); }
  [data-state=open] .badge, [data-state=running] .badge { background: #ddf4ff; color: #0969da; }
  [data-state=done] .badge { background: #dafbe1; color: var(--ok); }
  [data-state=reconnecting] .badge, [data-state=paused] .badge { background: #fff8c5; color: var(--warn); }
  [data-state=error] .badge { background: #ffebe9; color: var(--bad); }
  button { font: inherit; padding: 4px 12px; border: 1px solid var(--line); border-radius: 6px; background: #f6f8fa; cursor: pointer; }
  button:disabled { opacity: .5; cursor: default; }
  .box { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; background: #fbfcfd;
         font: 12.5px/1.5 ui-monospace, monospace; white-space: pre-wrap; overflow: auto; }
  #feed-text { height: 88px; margin-top: 8px; }
  #feed-log, #failure-lines { height: 76px; margin-top: 8px; }
  .facts { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 8px 0 0; color: var(--muted); }
  .facts b { color: var(--ink); font-weight: 600; }
  .note { margin: 8px 0 0; color: var(--muted); }
  code { font: 12.5px ui-monospace, monospace; }
  iframe { width: 100%; height: 240px; border: 1px solid var(--line); border-radius: 6px; margin-top: 8px; background: #fff; }
  progress { width: 100%; height: 14px; margin-top: 10px; }
  #download-sha { word-break: break-all; }
  table { border-collapse: collapse; width: 100%; font: 12.5px ui-monospace, monospace; }
  td { padding: 2px 8px 2px 0; border-bottom: 1px solid #eef1f5; white-space: nowrap; }
  td.msg { white-space: normal; width: 100%; }
  #logs-table-wrap { height: 200px; overflow: auto; margin-top: 8px; }
  .level-warn { color: var(--warn); } .level-error { color: var(--bad); }
  #failure [data-role=status] { margin-top: 8px; }
  [data-state=error] [data-role=status] { color: var(--bad); font-weight: 600; }
  #answer-text { height: 88px; margin-top: 8px; }
  #answer-log { height: 60px; margin-top: 8px; }
  #room-form { display: flex; gap: 8px; }
  #room-input { flex: 1; font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; }
  #room-messages { height: 120px; margin-top: 8px; }
  #room-messages time { color: var(--muted); }
  #room-messages .notice { color: var(--warn); }
  .differs { margin: 8px 0 0; padding: 6px 10px; border-left: 3px solid var(--warn); background: #fff8c5; }
`;

/** What the header says serves the page, per runtime. */
const SERVED_BY: Record<Runtime, string> = {
  Node: "this Node server (<code>serve</code> from <code>sluice/node</code>)",
  Deno: "this Deno server (<code>serve</code> from <code>sluice/deno</code>)",
  Bun: "this Bun server (<code>serve</code> from <code>sluice/bun</code>)",
  Workers: "this Cloudflare Worker (<code>worker()</code> from <code>sluice/workers</code>, in workerd)",
};

/**
 * What is different on a Worker, said in the panel it concerns (`data-differs` names the
 * panel, for tests). Node, Deno and Bun run every panel the same way.
 */
const ON_A_WORKER = {
  download:
    "On a Worker: there is no file system (and no <code>openFile</code>). This file is generated in memory, and <code>fileResponse</code> serves it the same way.",
  failure:
    "On a Worker: workerd ends a failed body as if it were complete (cloudflare/workerd#6818), so this route cannot cut it off. It sends a last marker line with <code>onError</code>, which the page reads as the failure.",
  answer:
    "On a Worker: the words are kept in a Durable Object (<code>TopicObject</code>, through <code>durableStore</code>). The run belongs to the request that started it, kept going by <code>ctx.waitUntil</code> for at most 30 s after that request's client leaves. The answer's id is known to the Worker instance that made it.",
  room: "On a Worker: the room is a Durable Object (<code>TopicObject</code>, through <code>durableStore</code>), which every instance of the Worker reads and writes.",
} as const;

/** The note on panel `panel` of what differs on `runtime`, if anything does. */
function differs(runtime: Runtime, panel: keyof typeof ON_A_WORKER): string {
  return runtime === "Workers" ? `<p class="differs" data-differs="${panel}">${ON_A_WORKER[panel]}</p>` : "";
}

/**
 * The page's HTML; `origin` (e.g. `http://localhost:8000`) is shown in its curl
 * commands, `runtime` in its header (and what differs there, in the panels). Its script
 * passes the page's own `?endAfter=` on to /sse.
 */
export function pageHtml(origin: string, runtime: Runtime): string {
  return `<!doctype html>
<html lang="en" data-runtime="${runtime}">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sluice demo</title>
<style>${STYLE}</style>
<script type="importmap">${IMPORT_MAP}</script>
<script type="module" src="${MAIN_MODULE_URL}"></script>
<header>
  <h1>sluice demo</h1>
  <p id="served-by">Every panel is one streaming response from ${SERVED_BY[runtime]}, read as it arrives.</p>
</header>
<main>
  <section id="feed" data-state="idle">
    <h2>Live events <span class="badge">idle</span></h2>
    <p class="code">sseResponse() · connectEvents() · lastEventId(request)</p>
    <button id="feed-kill" disabled>Kill the connection</button>
    <div id="feed-text" class="box" aria-live="polite"></div>
    <div class="facts">
      <span>ids received: <b id="feed-ids">none</b></span>
      <span id="feed-clock">waiting for a tick</span>
    </div>
    <div id="feed-log" class="box"></div>
    <p class="note">The server ends each connection after ${DEFAULT_END_AFTER} tokens (<code>?endAfter=</code> on this page to change), and the button cuts the one being read: either way <code>connectEvents</code> reconnects by itself and resumes with <code>Last-Event-ID</code>.</p>
  </section>

  <section id="report" data-state="idle">
    <h2>Streamed HTML report <span class="badge">idle</span></h2>
    <p class="code">htmlResponse() · renders while it arrives</p>
    <button id="report-start">Stream the report</button>
    <iframe id="report-frame" title="Streamed report"></iframe>
  </section>

  <section id="download" data-state="idle">
    <h2>Download with progress and resume <span class="badge">idle</span></h2>
    <p class="code">fileResponse() · fetch + readChunks() · Range / If-Range</p>
    <button id="download-start">Download 4 MiB</button>
    <button id="download-pause" disabled>Pause</button>
    <button id="download-resume" disabled>Resume</button>
    <progress id="download-progress" max="100" value="0"></progress>
    <div class="facts">
      <span>received: <b id="download-received">0 %</b></span>
      <span id="download-resumed">no Range request yet</span>
    </div>
    <p class="facts">SHA-256: <b id="download-sha">not yet</b></p>
    <p class="facts" data-role="status"></p>
    ${differs(runtime, "download")}
  </section>

  <section id="logs" data-state="idle">
    <h2>NDJSON log tail <span class="badge">idle</span></h2>
    <p class="code">ndjsonResponse() · readNdjson()</p>
    <button id="logs-start">Tail the log</button>
    <div id="logs-table-wrap"><table><tbody id="logs-rows"></tbody></table></div>
  </section>

  <section id="failure" data-state="idle">
    <h2>When the producer throws <span class="badge">idle</span></h2>
    <p class="code">streamingResponse() · readLines() · the read rejects</p>
    <button id="failure-start">Make the producer throw</button>
    <div id="failure-lines" class="box"></div>
    <p data-role="status">sluice never ends a failed stream cleanly: the client's read rejects, so a cut-off body cannot pass for a complete one.</p>
    ${differs(runtime, "failure")}
  </section>

  <section id="answer" data-state="idle">
    <h2>Resumable answer <span class="badge">idle</span></h2>
    <p class="code">topics() · topic.run() · connectEvents(): POST to start, GET to resume · Last-Event-ID</p>
    <button id="answer-start">Start a long answer</button>
    <button id="answer-kill" disabled>Kill the connection</button>
    <div id="answer-text" class="box" aria-live="polite"></div>
    <div class="facts">
      <span>words received: <b id="answer-received">0</b></span>
      <b id="answer-check">0 repeated, 0 missing</b>
    </div>
    <div id="answer-log" class="box"></div>
    <p class="note">The answer runs on the server whether or not this page reads it. Kill the connection mid-answer: <code>connectEvents</code> resumes it with a GET after the last word received. Reload the page: it resumes the same way (the answer's URL and last id are kept in sessionStorage). The counts come from the numbers the words carry.</p>
    ${differs(runtime, "answer")}
  </section>

  <section id="room" data-state="idle">
    <h2>Room <span class="badge">idle</span></h2>
    <p class="code">topic.publish() · topic.sseResponse() · one log, every tab</p>
    <form id="room-form">
      <input id="room-input" maxlength="${MESSAGE_MAX}" required autocomplete="off" placeholder="Say something to every tab" aria-label="Message">
      <button id="room-send">Send</button>
    </form>
    <div id="room-messages" class="box" aria-live="polite"></div>
    <p class="note" data-role="status">Open this page in another tab: what you send shows in both. A tab that joins later gets the last 10 minutes first.</p>
    ${differs(runtime, "room")}
  </section>

  <section id="terminal">
    <h2>From a terminal</h2>
    <p class="code">the same routes, no browser</p>
    <div class="box">URL=${origin}
curl -N $URL/sse
curl -N -H 'Last-Event-ID: 8' "$URL/sse?endAfter=5"
curl -N $URL/report
curl -N $URL/logs
curl -r 4194000- $URL/download | wc -c
curl -N -i -X POST $URL/answers  # 201, Location: /answers/&lt;id&gt;, the words
curl -N -H 'Last-Event-ID: &lt;an id&gt;' $URL/answers/&lt;id&gt;
curl -N $URL/room
curl -d 'hello from a terminal' $URL/room
curl -N $URL/fail; echo "curl exit $?"</div>
    <p class="note">${
      runtime === "Workers"
        ? "The last one exits with 0 on a Worker, its last line the marker that says the producer failed (see the panel above)."
        : "The last one exits with 18 (partial transfer): the producer threw, so the response was cut off."
    }</p>
  </section>
</main>
</html>
`;
}
