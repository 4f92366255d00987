/**
 * sluice: streaming HTTP responses from async iterables, pull-based, on every runtime.
 * @module
 */
export { toStream } from "./body.ts";
export { streamingResponse, textResponse, htmlResponse, ndjsonResponse, toResponse, handle } from "./response.ts";
export { formatEvent, sseResponse, lastEventId } from "./sse.ts";
export type { ServerSentEvent, SSEItem, SSEResponseInit } from "./sse.ts";
export { fileResponse } from "./file.ts";
export type { FileLike, FileResponseInit } from "./file.ts";
export { NotFoundError, ResponseStatusError, StreamAbortError, TopicFailedError } from "./errors.ts";
export type { StreamAbortType } from "./errors.ts";
export type { Chunk, ItemResponseInit, Producer, ProducedSource, Source, StreamOptions, StreamingResponseInit } from "./types.ts";
export { topics, GAP_EVENT } from "./topics.ts";
export type { Gap, Topic, TopicEvent, TopicRun, Topics, TopicsOptions } from "./topics.ts";
export { memoryStore } from "./store.ts";
export type { FollowSink, ReaderOptions, Retention, StoredEntry, TopicEntry, TopicStore } from "./store.ts";
