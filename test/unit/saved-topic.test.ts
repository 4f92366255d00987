/**
 * A TopicObject's log in its storage (runtimes/_workers/saved-topic.ts), on a storage
 * double with the Durable Object key-value API: what is kept across a restart, and that
 * storage holds no more than retention does.
 */
import { describe, expect, test } from "vitest";
import type { TopicStorage } from "../../runtimes/_types/workers.ts";
import { SavedTopic } from "../../runtimes/_workers/saved-topic.ts";
import type { StoredEntry } from "../../src/store.ts";

/** The Durable Object storage API over a Map, with every call counted. */
function storage() {
  const data = new Map<string, unknown>();
  const calls = { put: 0, delete: 0 };
  const api: TopicStorage = {
    get: async <T>(key: string) => structuredClone(data.get(key)) as T | undefined,
    list: async <T>({ prefix }: { prefix: string }) =>
      new Map([...data].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1))) as Map<string, T>,
    put: async (entries) => {
      calls.put++;
      for (const [key, value] of Object.entries(entries)) data.set(key, structuredClone(value));
    },
    delete: async (keys) => {
      calls.delete++;
      if (keys.length > 128) throw new RangeError("at most 128 keys");
      let deleted = 0;
      for (const key of keys) deleted += Number(data.delete(key));
      return deleted;
    },
  };
  const events = () => [...data.keys()].filter((key) => !key.endsWith("meta")).length;
  return { api, data, calls, events };
}

/** The entries a new follower of `topic` is given first. */
function retained(topic: SavedTopic, name: string): StoredEntry[] {
  let first: StoredEntry[] = [];
  const unfollow = topic.follow(name, { entries: (batch) => (first = first.length === 0 ? [...batch] : first), error: () => {} });
  unfollow();
  return first;
}

const event = (data: string) => ({ kind: "event" as const, data });

describe("SavedTopic", () => {
  test("a topic loaded again has the same events and ids, and its ids go on from the same epoch", async () => {
    const store = storage();
    const before = await SavedTopic.load(store.api);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await before.append("news", event(String(i)), { events: 10 }));
    const after = await SavedTopic.load(store.api);
    expect(retained(after, "news").map((entry) => [entry.id, entry.data])).toEqual(ids.map((id, i) => [id, String(i)]));
    const next = await after.append("news", event("3"), { events: 10 });
    expect(next).toBe(ids[0]!.replace(/-1$/, "-4"));
    expect(after.distance(ids[0]!, next)).toBe(3);
  });

  test("storage keeps only what retention keeps, also when retention is lowered past 128 events at once (deleted in calls of at most 128 keys)", async () => {
    const store = storage();
    const topic = await SavedTopic.load(store.api);
    for (let i = 0; i < 300; i++) await topic.append("news", event(String(i)), { events: 300 });
    expect(store.events()).toBe(300);
    await topic.append("news", event("300"), { events: 5 });
    expect(store.events()).toBe(5);
    expect(store.calls.delete).toBe(3);
    for (let i = 301; i < 310; i++) await topic.append("news", event(String(i)), { events: 5 });
    expect(store.events()).toBe(5);
    const after = await SavedTopic.load(store.api);
    expect(retained(after, "news").map((entry) => entry.data)).toEqual(["305", "306", "307", "308", "309"]);
  });

  test("the end is kept: a loaded ended topic refuses events and gives back its end's id for a second end", async () => {
    const store = storage();
    const topic = await SavedTopic.load(store.api);
    await topic.append("news", event("a"), { events: 10 });
    const end = await topic.append("news", { kind: "end", data: "" }, { events: 10 });
    const after = await SavedTopic.load(store.api);
    expect(retained(after, "news").map((entry) => entry.kind)).toEqual(["event", "end"]);
    await expect(after.append("news", event("late"), { events: 10 })).rejects.toThrow(/has ended/);
    expect(await after.append("news", { kind: "fail", data: "" }, { events: 10 })).toBe(end);
  });

  test("an ended topic past its time keeps only its end mark when loaded, so a returning client is told it ended", async () => {
    const store = storage();
    const topic = await SavedTopic.load(store.api);
    await topic.append("news", event("a"), { events: 10, ms: 60_000 });
    await topic.append("news", { kind: "end", data: "" }, { events: 10, ms: 60_000 });
    const meta = store.data.get("sluice:meta") as { terminal: StoredEntry };
    meta.terminal.time -= 120_000; // the end was two minutes ago
    const after = await SavedTopic.load(store.api);
    expect(retained(after, "news").map((entry) => entry.kind)).toEqual(["end"]);
    expect(store.events()).toBe(0);
  });

  test("another topic name is a TypeError that says the namespace must be TopicObject's alone", async () => {
    const topic = await SavedTopic.load(storage().api);
    await topic.append("news", event("a"), { events: 10 });
    await expect(topic.append("sport", event("b"), { events: 10 })).rejects.toThrow(
      /holds topic "news", not "sport".*bind TopicObject to a namespace that nothing else uses/,
    );
  });

  test("an event larger than a Durable Object stores per value is a RangeError before it gets an id", async () => {
    const store = storage();
    const topic = await SavedTopic.load(store.api);
    await expect(topic.append("news", event("é€".repeat(40_000)), { events: 10 })).rejects.toThrow(RangeError);
    expect(await topic.append("news", event("x".repeat(100_000)), { events: 10 })).toMatch(/-1$/);
  });
});
