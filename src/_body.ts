/**
 * Making bodies: the checked options of `createBody`, the engine it starts, and the
 * registry that lets adapters find a body's control from its stream.
 * @module
 */
import type { BodyConfig, BodyControl, BodyOptions } from "./_contract.ts";
import { BodyEngine } from "./_engine.ts";
import { prepareSource, type CursorSource } from "./_source.ts";
import { checkNonNegative, describe } from "./_messages.ts";
import type { Source } from "./types.ts";

export type { BodyConfig, BodyControl, BodyOptions } from "./_contract.ts";

const DEFAULT_WRITE_TIMEOUT = 30_000;

/** Every stream a body feeds, to its control. */
const controls = new WeakMap<ReadableStream<Uint8Array>, BodyControl>();

/** The {@link BodyControl} of a body made by sluice, or `undefined` for any other stream. */
export function controlOf(body: ReadableStream<Uint8Array> | null): BodyControl | undefined {
  return body ? controls.get(body) : undefined;
}

/** A body of `source` with a custom encoder and keep-alive: the engine of every response. */
export function createBody<T>(
  source: Source<T> | CursorSource<T>,
  options: BodyOptions<T> = {},
  config: BodyConfig<T>,
): ReadableStream<Uint8Array> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`sluice: options must be an object, got ${describe(options)}.`);
  }
  const { signal, onError } = options;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`sluice: \`signal\` must be an AbortSignal (e.g. request.signal), got ${describe(signal)}.`);
  }
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError(`sluice: \`onError\` must be a function (error) => lastChunk, got ${describe(onError)}.`);
  }
  const engine = new BodyEngine(
    prepareSource(source),
    {
      signal,
      onError,
      timeout: checkNonNegative("timeout", options.timeout, "ms"),
      writeTimeout: checkNonNegative("writeTimeout", options.writeTimeout, "ms") ?? DEFAULT_WRITE_TIMEOUT,
      highWaterMark: checkNonNegative("highWaterMark", options.highWaterMark, "bytes") ?? 0,
    },
    config,
  );
  const stream = engine.stream!;
  controls.set(stream, engine);
  return stream;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AbortSignal).addEventListener === "function" &&
    "aborted" in value
  );
}
