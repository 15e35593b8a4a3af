// The drain after a change starts from the list head its script returned, and carries the
// change's signal in the script that removes the entries (decision 81), on the real Redis
// and Postgres: an old head journals nothing twice and removes nothing it did not read;
// the signal is heard only once the event is in the outbox.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentLiveStore, stateEventsKey } from '../../src/acd/live-store.js';
import { StateEventDrain, drainStateEvents } from '../../src/acd/state-relay.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

let t: TestDatabase;
const redis = new Redis(TEST_REDIS_URL);
const log = createLogger('silent');

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await redis.quit();
  await t.drop();
});

async function outboxOf(agentId: string): Promise<string[]> {
  const { rows } = await t.db.query<{ to: string }>(
    `SELECT payload->'data'->>'to' AS to FROM outbox WHERE type = 'agent.state_changed' AND payload->'data'->>'agentId' = $1 ORDER BY id`,
    [agentId],
  );
  return rows.map((r) => r.to);
}

describe('the drain from a change script’s head', () => {
  it('a change hands over the head holding its own event; a head another relay already drained adds nothing', async () => {
    const prefix = uniquePrefix('head');
    const store = new AgentLiveStore(redis, prefix);
    await store.ensure('h1', 0);
    expect((await store.apply('h1', { type: 'login' }, 1000)).ok).toBe(true);
    const stale = store.takePendingHead('h1');
    expect(stale?.map((r) => (JSON.parse(r) as { data: { to: string } }).data.to)).toEqual(['not_ready']);
    expect(store.takePendingHead('h1')).toBeUndefined();
    // Another relay drains it first; then a second change, whose head holds only its own.
    expect(await drainStateEvents(t.db, redis, prefix)).toBe(1);
    expect((await store.apply('h1', { type: 'ready' }, 2000)).ok).toBe(true);
    const fresh = store.takePendingHead('h1');
    expect(fresh).toHaveLength(1);

    const drain = new StateEventDrain(t.db, redis, prefix, log);
    // The old head: its event is skipped, and the pending ready is neither journaled nor removed.
    expect(await drain.request(stale)).toBe(1);
    expect(await outboxOf('h1')).toEqual(['not_ready']);
    expect(await redis.llen(stateEventsKey(prefix))).toBe(1);
    expect(await drain.request(fresh)).toBe(1);
    expect(await outboxOf('h1')).toEqual(['not_ready', 'ready']);
    expect(await redis.llen(stateEventsKey(prefix))).toBe(0);
  });

  it('changes of one turn share a pass that reads the list, and their signals arrive after the journal', async () => {
    const prefix = uniquePrefix('head');
    const store = new AgentLiveStore(redis, prefix);
    const sub = new Redis(TEST_REDIS_URL);
    const channel = `${prefix}:signals`;
    const heard: Array<{ message: string; journaled: string[] }> = [];
    const done = new Promise<void>((resolve) => {
      sub.on('message', (_c, message: string) => {
        void outboxOf(message).then((journaled) => {
          heard.push({ message, journaled });
          if (heard.length === 2) resolve();
        });
      });
    });
    await sub.subscribe(channel);
    try {
      for (const id of ['s1', 's2']) await store.ensure(id, 0);
      await Promise.all(['s1', 's2'].map((id) => store.apply(id, { type: 'login' }, 1000)));
      const drain = new StateEventDrain(t.db, redis, prefix, log);
      // The first script's head lacks the second's event: the shared pass must read the list.
      const relayed = await Promise.all(['s1', 's2'].map((id) => drain.request(store.takePendingHead(id), { channel, message: id })));
      expect(relayed).toEqual([2, 2]);
      await done;
      expect(heard.map((h) => h.message).sort()).toEqual(['s1', 's2']);
      for (const h of heard) expect(h.journaled).toEqual(['not_ready']);
      expect(await redis.llen(stateEventsKey(prefix))).toBe(0);
    } finally {
      sub.disconnect();
    }
  });
});
