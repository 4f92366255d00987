/**
 * A topic's feed from its Durable Object to a Worker, for `read()` there: what the object's
 * log gives a follower, one JSON entry per line and a blank line after each batch, so the
 * Worker's log gets the same batches (the first one whole: every retained entry).
 * @module
 */
import { encodeText } from "../../src/_encode.ts";
import { DEFAULT_MAX_LINE, LineSplitter } from "../../src/_lines.ts";
import type { FollowSink, StoredEntry, TopicStore } from "../../src/store.ts";

/**
 * Bytes a feed may hold for a Worker that does not read them: past this it is ended as an
 * error (the Worker's readers end as errors and reconnect), not grown without bound.
 */
const FEED_MAX = 16 * 1024 * 1024;

/**
 * The object's side: `store`'s entries of `topic` as a byte stream, until the Worker
 * cancels it or `signal` aborts; `done` is called once, when it stops following.
 */
export function followStream(
  store: TopicStore,
  topic: string,
  signal: AbortSignal,
  done: () => void,
): ReadableStream<Uint8Array> {
  let unfollow: (() => void) | undefined;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    signal.removeEventListener("abort", onAbort);
    unfollow?.();
    done();
  };
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const onAbort = () => {
    stop();
    try {
      controller.close();
    } catch {
      // already closed or errored
    }
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      cancel: stop,
    },
    { highWaterMark: 0, size: (chunk) => chunk.byteLength },
  );
  const sink: FollowSink = {
    entries(batch) {
      if (stopped) return;
      let text = "";
      for (const entry of batch) text += JSON.stringify(entry) + "\n";
      controller.enqueue(encodeText(text + "\n"));
      if ((controller.desiredSize ?? 0) < -FEED_MAX) {
        stop();
        controller.error(new Error(`sluice: the Worker reading topic feed fell ${FEED_MAX} bytes behind; it reconnects.`));
      }
    },
    error(error) {
      if (stopped) return;
      stop();
      controller.error(error);
    },
  };
  if (signal.aborted) stop();
  else {
    signal.addEventListener("abort", onAbort, { once: true });
    const following = store.follow(topic, sink);
    if (stopped) following();
    else unfollow = following;
  }
  return stream;
}

/** The Worker's side: reads `body` (a {@link followStream}) into `sink`, batch by batch; resolves when it ends. */
export async function readFeed(body: ReadableStream<Uint8Array>, sink: FollowSink): Promise<void> {
  const lines = new LineSplitter(DEFAULT_MAX_LINE, "a topic feed's line bound");
  const decoder = new TextDecoder();
  let batch: StoredEntry[] = [];
  const take = (line: string) => {
    if (line !== "") batch.push(JSON.parse(line) as StoredEntry);
    else {
      const done = batch;
      batch = [];
      sink.entries(done);
    }
  };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      for (const line of lines.push(decoder.decode(value, { stream: true }))) take(line);
    }
  } catch (error) {
    reader.cancel(error).catch(() => {});
    throw error;
  }
}
