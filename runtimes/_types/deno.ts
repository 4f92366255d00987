/** The part of the `Deno` global the Deno adapter uses (see README.md). */

export interface DenoServeInfo {
  completed: Promise<void>;
}

interface DenoHttpServer {
  finished: Promise<void>;
  shutdown(): Promise<void>;
}

interface DenoServeOptions {
  port: number;
  hostname?: string;
  cert?: string;
  key?: string;
  signal: AbortSignal;
  onListen(address: { port: number; hostname: string }): void;
  onError(error: unknown): Response | Promise<Response>;
}

interface DenoFsFile {
  readable: ReadableStream<Uint8Array>;
  seek(offset: number, whence: 0): Promise<number>;
  close(): void;
}

export interface DenoGlobal {
  serve(options: DenoServeOptions, handler: (request: Request, info: DenoServeInfo) => Promise<Response>): DenoHttpServer;
  stat(path: string): Promise<{ isFile: boolean; size: number; mtime: Date | null }>;
  open(path: string, options: { read: true }): Promise<DenoFsFile>;
  errors: { NotFound: new (...args: never[]) => Error };
}

/** The `Deno` global. */
export const deno = (): DenoGlobal => (globalThis as unknown as { Deno: DenoGlobal }).Deno;
