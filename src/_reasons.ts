/**
 * Why sluice ended a stream, in words: the {@link StreamAbortError} of each end it causes
 * itself, made in one place so every runtime says the same.
 * @module
 */
import { StreamAbortError } from "./errors.ts";
import { quote } from "./_messages.ts";

/** The reason a handler's signal (and its stream) is aborted with when its client goes away. */
export function disconnectReason(): StreamAbortError {
  return new StreamAbortError("disconnect", "sluice: the client went away before the response was complete.");
}

/** The reason open streams are aborted with when their server closes. */
export function shutdownReason(): StreamAbortError {
  return new StreamAbortError("shutdown", "sluice: the server is shutting down; the stream was ended.");
}

/** The reason a body is ended with once it has been open for its `timeout`. */
export function timeoutReason(ms: number): StreamAbortError {
  return new StreamAbortError("timeout", `sluice: the stream was open for ${ms} ms (its timeout) and was ended.`);
}

/** The reason a body is ended with when its consumer took nothing for `writeTimeout`. */
export function writeTimeoutReason(ms: number): StreamAbortError {
  return new StreamAbortError(
    "write-timeout",
    `sluice: the consumer read nothing for ${ms} ms (writeTimeout), so the stream was ended. ` +
      `Raise writeTimeout, or set it to 0 to wait forever.`,
  );
}

/** The reason a topic's run is stopped with when `stop()` is called. */
export function stopReason(topic: string): StreamAbortError {
  return new StreamAbortError("stop", `sluice: the run of topic ${quote(topic)} was stopped with stop().`);
}

/** The reason a topic's run is ended with once it has run for its `timeout`. */
export function runTimeoutReason(topic: string, ms: number): StreamAbortError {
  return new StreamAbortError(
    "timeout",
    `sluice: the run of topic ${quote(topic)} ran for ${ms} ms (its timeout) and was ended.`,
  );
}
