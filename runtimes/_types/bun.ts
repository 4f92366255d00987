/** The part of the `Bun` global the Bun adapter uses (see README.md). */

interface BunServer {
  /** Undefined only for a server on a unix socket, which the adapter never makes. */
  port: number | undefined;
  hostname: string | undefined;
  stop(closeActiveConnections?: boolean): Promise<void>;
  timeout(request: Request, seconds: number): void;
  /** Requests whose response is not yet complete. */
  readonly pendingRequests: number;
}

interface BunServeOptions {
  development: boolean;
  port: number;
  hostname?: string;
  tls?: { cert: string; key: string };
  fetch(request: Request, server: BunServer): Promise<Response>;
  error(error: unknown): Response;
}

/** A `Bun.file()`: a Blob that can also stat itself. */
export interface BunFile {
  size: number;
  slice(start?: number, end?: number): Blob;
  stat(): Promise<{ isFile(): boolean; size: number; mtimeMs: number }>;
}

export interface BunGlobal {
  serve(options: BunServeOptions): BunServer;
  file(path: string): BunFile;
}

/** The `Bun` global. */
export const bun = (): BunGlobal => (globalThis as unknown as { Bun: BunGlobal }).Bun;
