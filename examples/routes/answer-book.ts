/**
 * The answers one demo handler has started: their ids until they expire, and how many
 * still run.
 *
 * A topic whose log the store has forgotten cannot be told apart from a new, empty one
 * (a reader of it would wait for ever), and a topic name taken from a URL would let
 * anyone read or create any topic. So GET /answers/<id> looks the id up here: only ids
 * this handler made, for as long as their events are kept, lead to a topic.
 *
 * The book is this process's memory (on a Worker, this instance's), while the topics are
 * wherever the store keeps them: each call takes the request's `Topics` (on a Worker,
 * topics are made per request, on the Durable Object store).
 * @module
 */
import type { Producer, SSEItem, Topic, Topics } from "../../src/index.ts";

/** Answers running at once, at most: each is a detached producer that no request bounds. */
export const MAX_RUNNING = 20;
/** The longest an answer may run; its topic fails after that (readers get `failed`). */
const RUN_TIMEOUT_MS = 60_000;

/** The ids this handler made and the runs still going. */
export class AnswerBook {
  /** How long an answer's id leads to its topic, in ms from its start. */
  readonly keepMs: number;
  /** When each id stops leading to its topic, in the order they were made (a Map keeps it). */
  readonly #expiries = new Map<string, number>();
  #running = 0;

  /**
   * `keepMs` is the topics' `retain.ms`: an id is forgotten when its first event expires,
   * always before the store forgets the topic (it waits for the last event, or the end).
   */
  constructor(keepMs: number) {
    this.keepMs = keepMs;
  }

  /**
   * Runs `producer` into a new answer's topic of `live`; its id, topic (POST streams it at
   * once) and run, or `undefined` when {@link MAX_RUNNING} are running.
   */
  start(live: Topics, producer: Producer<SSEItem>): { id: string; topic: Topic; done: Promise<void> } | undefined {
    this.#forgetExpired();
    if (this.#running >= MAX_RUNNING) return undefined;
    const id = crypto.randomUUID();
    const topic = live.topic(topicName(id));
    const run = topic.run(producer, { timeout: RUN_TIMEOUT_MS });
    this.#running++;
    this.#expiries.set(id, Date.now() + this.keepMs);
    const finished = () => {
      this.#running--;
    };
    return { id, topic, done: run.done.then(finished, finished) };
  }

  /** The topic of answer `id` in `live`, if this handler made it and it has not expired. */
  find(live: Topics, id: string): Topic | undefined {
    this.#forgetExpired();
    return this.#expiries.has(id) ? live.topic(topicName(id)) : undefined;
  }

  /** Forgets expired ids: the oldest are first, so this stops at the first one still kept. */
  #forgetExpired(): void {
    const now = Date.now();
    for (const [id, expires] of this.#expiries) {
      if (expires > now) return;
      this.#expiries.delete(id);
    }
  }
}

function topicName(id: string): string {
  return `answer:${id}`;
}
