/**
 * The browser's ES modules: the page's own scripts and sluice/client as `npm run build`
 * compiled them (dist/examples/browser, dist/src), and eventsource-parser, which
 * sluice/client imports by its bare name (the page's import map points it here). No
 * bundler: the browser loads the modules as they are.
 *
 * Node, Deno and Bun serve them with this route and their adapter's `openFile` (it reads
 * files through `node:fs`, which all three have); a Worker has no files, so
 * examples/worker-assets.ts copies the same files, at the same paths, into the static
 * assets wrangler serves.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type FileLike, fileResponse, NotFoundError } from "../../src/index.ts";
import { EVENTSOURCE_PARSER_URL } from "../page.ts";
import { notFound } from "./respond.ts";

/** /modules/ + a path under dist/, limited to the two folders the browser needs. */
const MODULE_PATH = /^\/modules\/((?:src|examples\/browser)\/[a-z0-9_-]+\.js)$/;
/** /vendor/eventsource-parser/ + a module of its build's folder (no subfolders, no "..": a name only). */
const PARSER_PATH = /^\/vendor\/eventsource-parser\/([a-z0-9_-]+\.js)$/;

/**
 * The build the modules come from: the one this module is part of
 * (dist/examples/routes/modules.js: npm start runs the build), else dist/ (tests, Deno
 * and Bun run examples/routes/modules.ts).
 */
const DIST = fileURLToPath(new URL(import.meta.url.endsWith(".js") ? "../../" : "../../dist/", import.meta.url));

/**
 * eventsource-parser's ES module build (its package.json's "module"). From version 4 its
 * entry imports modules beside it (./parse.js, ./errors.js), so the whole folder is
 * served, under /vendor/eventsource-parser/, where those relative imports lead; the
 * entry is the page's {@link EVENTSOURCE_PARSER_URL}, whatever its file's name.
 */
const PARSER = parserBuild();

/** The file that URL path `pathname` stands for, or `undefined` (not a module the page loads). */
function moduleFile(pathname: string): string | undefined {
  if (pathname === EVENTSOURCE_PARSER_URL) return join(PARSER.folder, PARSER.entry);
  const parserModule = PARSER_PATH.exec(pathname)?.[1];
  if (parserModule !== undefined) return join(PARSER.folder, parserModule);
  const built = MODULE_PATH.exec(pathname)?.[1];
  return built === undefined ? undefined : join(DIST, built);
}

/**
 * The route: GET /modules/… and /vendor/eventsource-parser/…, read with `openFile` (the
 * host's adapter's); a 404 for anything else.
 */
export function modulesRoute(openFile: (path: string) => Promise<FileLike>): (request: Request) => Promise<Response> {
  return async (request) => {
    const { pathname } = new URL(request.url);
    const path = moduleFile(pathname);
    const unbuilt = () => notFound(`${pathname}: run \`npm run build\` first (npm start does).`);
    if (path === undefined) return unbuilt();
    try {
      return fileResponse(await openFile(path), { request, headers: { "cache-control": "no-cache" } });
    } catch (error) {
      if (error instanceof NotFoundError) return unbuilt();
      throw error;
    }
  };
}

/** Every module the page may load: its URL path, and the file it is. For hosts that serve them as static assets. */
export function moduleFiles(): { pathname: string; file: string }[] {
  const scripts = (folder: string) => readdirSync(folder).filter((name) => name.endsWith(".js"));
  const paths = [
    EVENTSOURCE_PARSER_URL,
    ...scripts(PARSER.folder).map((name) => `/vendor/eventsource-parser/${name}`),
    ...["src", "examples/browser"].flatMap((folder) => scripts(join(DIST, folder)).map((name) => `/modules/${folder}/${name}`)),
  ];
  return [...new Set(paths)].flatMap((pathname) => {
    const file = moduleFile(pathname);
    return file === undefined ? [] : [{ pathname, file }];
  });
}

/** The folder of eventsource-parser's ES module build, and its entry's file name. */
function parserBuild(): { folder: string; entry: string } {
  const manifest = createRequire(import.meta.url).resolve("eventsource-parser/package.json");
  const { module } = JSON.parse(readFileSync(manifest, "utf8")) as { module?: string };
  const entry = join(dirname(manifest), module ?? "dist/index.js");
  return { folder: dirname(entry), entry: basename(entry) };
}
