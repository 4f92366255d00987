/** The part of the Workers `ExecutionContext` the Workers adapter uses (see README.md). */
export interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * The part of a Durable Object namespace binding (`env.TOPICS`) `durableStore()` uses:
 * one object per topic name, reached by `fetch`.
 */
export interface TopicNamespace<Id = unknown> {
  idFromName(name: string): Id;
  get(id: Id): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/** The part of a Durable Object's storage `TopicObject` uses: the key-value API, on SQLite- and KV-backed objects alike. */
export interface TopicStorage {
  get<T = unknown>(key: string): Promise<T | undefined>;
  list<T = unknown>(options: { prefix: string; start?: string; limit?: number }): Promise<Map<string, T>>;
  put<T>(entries: Record<string, T>): Promise<void>;
  delete(keys: string[]): Promise<number>;
}

/** The part of a Durable Object's state (its constructor's first argument) `TopicObject` uses. */
export interface TopicObjectState extends WorkerContext {
  readonly storage: TopicStorage;
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}
