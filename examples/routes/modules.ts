/**
 * The browser's ES modules: the page's own scripts and sluice/client as `npm run build`
 * compiled them (dist/examples/browser, dist/src), and eventsource-parser, which
 * sluice/client imports by its bare name (the page's import map points it here). No
 * bundler: the browser loads the modules as they are.
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileResponse, NotFoundError } from "../../src/index.ts";
import { openFile } from "../../runtimes/node.ts";
import { notFound } from "./respond.ts";

const require = createRequire(import.meta.url);

/**
 * eventsource-parser's ES module build (its package.json's "module"). From version 4 its
 * entry imports modules beside it (./parse.js, ./errors.js), so the whole folder is
 * served, under /vendor/eventsource-parser/, where those relative imports lead.
 */
const PARSER = parserBuild();
/** The URL the page's import map gives eventsource-parser. */
export const EVENTSOURCE_PARSER_URL = `/vendor/eventsource-parser/${PARSER.entry}`;
/** The URL of the page's entry module. */
export const MAIN_MODULE_URL = "/modules/examples/browser/main.js";

/** /modules/ + a path under dist/, limited to the two folders the browser needs. */
const MODULE_PATH = /^\/modules\/((?:src|examples\/browser)\/[a-z0-9_-]+\.js)$/;
/** /vendor/eventsource-parser/ + a module of its build's folder (no subfolders, no "..": a name only). */
const PARSER_PATH = /^\/vendor\/eventsource-parser\/([a-z0-9_-]+\.js)$/;

/** Whether this route serves `pathname`. */
export function isModulePath(pathname: string): boolean {
  return MODULE_PATH.test(pathname) || PARSER_PATH.test(pathname);
}

/** Answers GET /modules/… and /vendor/eventsource-parser/…; a 404 for anything else. */
export async function modulesRoute(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const parserModule = PARSER_PATH.exec(pathname)?.[1];
  const path = parserModule === undefined ? distPath(MODULE_PATH.exec(pathname)?.[1]) : join(PARSER.folder, parserModule);
  if (path === undefined) return notFound(`${pathname}: run \`npm run build\` first (npm start does).`);
  try {
    return fileResponse(await openFile(path), { request, headers: { "cache-control": "no-cache" } });
  } catch (error) {
    if (error instanceof NotFoundError) return notFound(`${pathname}: run \`npm run build\` first (npm start does).`);
    throw error;
  }
}

/**
 * `relative` under dist/. The package's own "sluice/client" export leads there, from
 * examples/ (tests run the TypeScript) and from dist/examples/ (npm start) alike.
 */
function distPath(relative: string | undefined): string | undefined {
  if (relative === undefined) return undefined;
  try {
    return join(dirname(dirname(require.resolve("sluice/client"))), relative);
  } catch {
    return undefined; // not built yet
  }
}

/** The folder of eventsource-parser's ES module build, and its entry's file name. */
function parserBuild(): { folder: string; entry: string } {
  const manifest = require.resolve("eventsource-parser/package.json");
  const { module } = JSON.parse(readFileSync(manifest, "utf8")) as { module?: string };
  const entry = join(dirname(manifest), module ?? "dist/index.js");
  return { folder: dirname(entry), entry: basename(entry) };
}
