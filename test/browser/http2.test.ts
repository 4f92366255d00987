/**
 * Why `serve({ tls })` speaks HTTP/2: ten live-event panels in one Chromium page, each an
 * endless-looking SSE stream of the demo (`/sse`), all stream at once over HTTPS, on one
 * HTTP/2 connection; the same page over plain HTTP/1.1 gets at most six of them open at a
 * time (Chrome's connections-per-origin limit), the others wait for one to end.
 *
 * The demo is served as `npm start -- --tls` serves it (`compress(createDemo())` over
 * `serve({ tls })`), with a certificate made at run time; Chromium trusts it through
 * `--ignore-certificate-errors-spki-list` (the hash of this certificate's key, nothing
 * else), so the connection is a real TLS one with ALPN.
 */
import { createHash, X509Certificate } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { createDemo } from "../../examples/app.ts";
import { modulesRoute } from "../../examples/routes/modules.ts";
import { compress, openFile, serve, type Server } from "../../runtimes/node.ts";
import { selfSigned, type Certificate } from "../_support/certificate.ts";
import { launchChromium } from "./chromium.ts";

/** Panels on the page: more than Chrome's six HTTP/1.1 connections per origin. */
const PANELS = 10;
/** Tokens each panel's stream sends before the server ends it: 200 ms each, so 2 s. */
const TOKENS = 10;

let certificate: Certificate;
let browser: Browser;
let page: Page | undefined;
let server: Server | undefined;
const topics = new AbortController();

beforeAll(async () => {
  certificate = selfSigned();
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spkiHash(certificate.cert)}`]);
});
afterEach(async () => {
  await page?.close();
  await server?.close();
  page = undefined;
  server = undefined;
});
afterAll(async () => {
  topics.abort();
  await browser?.close();
  certificate?.remove();
});

/** base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo: what Chromium's SPKI allow-list takes. */
function spkiHash(cert: string): string {
  const spki = new X509Certificate(cert).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

/** What the page saw of one panel's stream. */
interface Panel {
  /** ms (page clock) when its response headers arrived, and when its body ended. */
  opened: number;
  ended: number;
  tokens: number;
  /** ALPN protocol of the connection that carried it, from Resource Timing: "h2" or "http/1.1". */
  protocol: string;
}

/**
 * Opens a page at `origin`, then its ten panels at once: each fetches `/sse` (a URL of its
 * own, so no cache lock makes one wait for another) and reads it to its end, counting
 * token events as they arrive.
 */
async function openPanels(origin: URL): Promise<Panel[]> {
  page = await browser.newPage();
  // A plain page at the origin (the demo's 404), so nothing else holds a connection.
  await page.goto(new URL("/ten-panels", origin).href);
  return page.evaluate(
    async ({ panels, tokens }) => {
      const read = async (panel: number) => {
        const response = await fetch(`/sse?endAfter=${tokens}&panel=${panel}`, { cache: "no-store" });
        const opened = performance.now();
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
        let text = "";
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += value;
        }
        return { panel, opened, ended: performance.now(), tokens: text.match(/^event: token$/gm)?.length ?? 0 };
      };
      const results = await Promise.all(Array.from({ length: panels }, (_, panel) => read(panel)));
      const entries = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
      return results.map(({ panel, ...result }) => ({
        ...result,
        protocol: entries.find((entry) => entry.name.endsWith(`&panel=${panel}`))?.nextHopProtocol ?? "(no entry)",
      }));
    },
    { panels: PANELS, tokens: TOKENS },
  );
}

/** The most panels whose streams were open (headers in, body not ended) at the same moment. */
function mostOpenAtOnce(panels: Panel[]): number {
  const edges = panels.flatMap(({ opened, ended }) => [
    { at: opened, change: 1 },
    { at: ended, change: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.change - b.change); // an end before an open at the same instant
  let open = 0;
  let most = 0;
  for (const { change } of edges) {
    open += change;
    most = Math.max(most, open);
  }
  return most;
}

test("over HTTPS, ten live-event panels stream at once, all on HTTP/2", async () => {
  server = await serve(compress(createDemo({ runtime: "Node", modules: modulesRoute(openFile), signal: topics.signal })), {
    hostname: "127.0.0.1",
    port: 0,
    shutdownGrace: 1_000,
    tls: { cert: certificate.cert, key: certificate.key },
  });
  expect(server.url.protocol).toBe("https:");
  const panels = await openPanels(server.url);
  expect(panels.map(({ protocol }) => protocol)).toEqual(Array(PANELS).fill("h2"));
  expect(panels.map(({ tokens }) => tokens)).toEqual(Array(PANELS).fill(TOKENS));
  expect(mostOpenAtOnce(panels), "panels streaming at the same moment").toBe(PANELS);
});

test("over plain HTTP/1.1, the same page has at most six of its ten panels open at a time", async () => {
  server = await serve(compress(createDemo({ runtime: "Node", modules: modulesRoute(openFile), signal: topics.signal })), {
    hostname: "127.0.0.1",
    port: 0,
    shutdownGrace: 1_000,
  });
  const panels = await openPanels(server.url);
  expect(panels.map(({ protocol }) => protocol)).toEqual(Array(PANELS).fill("http/1.1"));
  // Every panel gets its tokens in the end: the last four once the first streams ended.
  expect(panels.map(({ tokens }) => tokens)).toEqual(Array(PANELS).fill(TOKENS));
  const most = mostOpenAtOnce(panels);
  expect(most, "panels streaming at the same moment").toBeLessThanOrEqual(6);
  expect(most).toBeGreaterThanOrEqual(2);
});
