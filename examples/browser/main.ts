/**
 * The demo page's entry module: starts the live feed, joins the room, resumes an answer
 * this tab was reading before a reload, and wires the other panels' buttons.
 * `?endAfter=N` on the page's URL sets how many tokens the server sends per SSE
 * connection before it ends the stream.
 * @module
 */
import { wireAnswer } from "./answer.ts";
import { wireDownload } from "./download.ts";
import { wireFailure } from "./failure.ts";
import { startFeed } from "./feed.ts";
import { wireLogs } from "./logs.ts";
import { wireReport } from "./report.ts";
import { joinRoom } from "./room.ts";

startFeed(new URLSearchParams(location.search).get("endAfter") ?? undefined);
wireReport();
wireDownload();
wireLogs();
wireFailure();
wireAnswer();
joinRoom();
