// agent.state_changed events are written with the state in one Redis script and relayed
// into the outbox on the real Redis and Postgres: an instance that dies between the
// change and the relay loses nothing, and a relay dying after its commit duplicates nothing.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentLiveStore, stateEventsKey } from '../../src/acd/live-store.js';
import { StateEventDrain, StateEventRelay, drainStateEvents } from '../../src/acd/state-relay.js';
import { createCall } from '../../src/calls/repository.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';

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

async function outboxOf(agentId: string) {
  const { rows } = await t.db.query<{ event_id: string; payload: { data: Record<string, unknown> } }>(
    `SELECT event_id, payload FROM outbox WHERE type = 'agent.state_changed' AND payload->'data'->>'agentId' = $1 ORDER BY id`,
    [agentId],
  );
  return rows;
}

describe('agent state events relay', () => {
  it('an event whose instance died before relaying it arrives exactly once through another relay', async () => {
    const prefix = uniquePrefix('relay');
    const store = new AgentLiveStore(redis, prefix);
    await store.ensure('a1', 0);
    // The "instance" changes state and dies before relaying: nothing is in the outbox yet.
    expect((await store.apply('a1', { type: 'login' }, 1000, undefined, { queueId: null })).ok).toBe(true);
    expect((await store.apply('a1', { type: 'ready' }, 3000)).ok).toBe(true);
    expect(await redis.llen(stateEventsKey(prefix))).toBe(2);
    expect(await outboxOf('a1')).toHaveLength(0);

    const relay = new StateEventRelay({ db: t.db, redis, prefix, log, intervalMs: 50 });
    relay.start();
    try {
      await waitUntil(async () => (await outboxOf('a1')).length === 2 && (await redis.llen(stateEventsKey(prefix))) === 0, 'the relay to move both events');
    } finally {
      await relay.stop();
    }
    const rows = await outboxOf('a1');
    expect(rows.map((r) => [r.payload.data['from'], r.payload.data['to']])).toEqual([
      ['logged_out', 'not_ready'],
      ['not_ready', 'ready'],
    ]);
    expect(rows[1]!.payload.data['durationMs']).toBe(2000);
    // A second pass finds nothing left and inserts nothing.
    expect(await drainStateEvents(t.db, redis, prefix)).toBe(0);
    expect(await outboxOf('a1')).toHaveLength(2);
  });

  it('a relay that dies after its commit but before forgetting the events inserts no duplicate on the next pass', async () => {
    const prefix = uniquePrefix('relay');
    const store = new AgentLiveStore(redis, prefix);
    await store.ensure('a2', 0);
    await store.apply('a2', { type: 'login' }, 1000);
    await store.apply('a2', { type: 'ready' }, 1500);
    await expect(
      drainStateEvents(t.db, redis, prefix, log, {
        afterCommit: async () => {
          throw new Error('killed after commit');
        },
      }),
    ).rejects.toThrow('killed after commit');
    expect(await outboxOf('a2')).toHaveLength(2);
    expect(await redis.llen(stateEventsKey(prefix))).toBe(2);

    expect(await drainStateEvents(t.db, redis, prefix, log)).toBe(2);
    const rows = await outboxOf('a2');
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(2);
    expect(await redis.llen(stateEventsKey(prefix))).toBe(0);
  });

  it('a failed pass brings the next one forward instead of leaving events until the safety pass', async () => {
    const prefix = uniquePrefix('relay');
    const key = stateEventsKey(prefix);
    const store = new AgentLiveStore(redis, prefix);
    await store.ensure('a9', 0);
    await store.apply('a9', { type: 'login' }, 1000);
    // The pending list set aside and a key of the wrong type in its place: every read of
    // the list fails, as a Redis error would, until the list is put back in one step.
    await redis.rename(key, `${key}:aside`);
    await redis.set(key, 'not a list');
    const relay = new StateEventRelay({ db: t.db, redis, prefix, log, intervalMs: 600_000 });
    relay.start();
    try {
      await relay.kick();
      expect(await outboxOf('a9')).toHaveLength(0);
      await redis.rename(`${key}:aside`, key);
      // Nothing asks for a drain: only the relay's retry, far before its ten-minute pass, moves it.
      await waitUntil(async () => (await outboxOf('a9')).length === 1 && (await redis.llen(key)) === 0, 'the retry after the failed pass');
    } finally {
      await relay.stop();
    }
  });

  it('a reservation carries its event: from ready, with the time spent ready, the call and the queue', async () => {
    const prefix = uniquePrefix('relay');
    const store = new AgentLiveStore(redis, prefix);
    await store.ensure('a3', 0);
    await store.apply('a3', { type: 'login' }, 1000);
    await store.apply('a3', { type: 'ready' }, 2000);
    const res = await store.reserve('a3', 'call-1', 'offer-1', 10_000, 9000, '', { callId: 'call-1', queueId: 'q1' });
    expect(res.ok).toBe(true);
    // A refused reservation changes nothing and announces nothing.
    expect((await store.reserve('a3', 'call-2', 'offer-2', 10_000, 9500)).ok).toBe(false);
    await drainStateEvents(t.db, redis, prefix, log);
    const last = (await outboxOf('a3')).at(-1)!.payload.data;
    expect(last).toMatchObject({ agentId: 'a3', from: 'ready', to: 'reserved', durationMs: 7000, callId: 'call-1', queueId: 'q1' });
    expect(await outboxOf('a3')).toHaveLength(3);
  });

  it('a change that loses the compare-and-set leaves no event behind', async () => {
    const prefix = uniquePrefix('relay');
    const a = new AgentLiveStore(redis, prefix);
    await a.ensure('a4', 0);
    await a.apply('a4', { type: 'login' }, 1000);
    // Twenty concurrent "ready"s from two stores: one changes the state, the rest find it ready.
    const b = new AgentLiveStore(redis, prefix);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).apply('a4', { type: 'ready' }, 2000 + i)));
    const changed = results.filter((r) => r.ok && r.change.changed).length;
    await drainStateEvents(t.db, redis, prefix, log);
    const toReady = (await outboxOf('a4')).filter((r) => r.payload.data['to'] === 'ready');
    expect(toReady).toHaveLength(changed);
    expect(changed).toBe(1);
  });

  it('changes of the same moment share drains: each event once, the timeline in order, the latest state kept', async () => {
    const prefix = uniquePrefix('relay');
    const store = new AgentLiveStore(redis, prefix);
    const { call } = await createCall(t.db, { pbxNode: 'n1', channelId: `ch-${prefix}`, linkedid: null, direction: 'inbound', callerNumber: '100', callerName: null, dnis: null });
    const agents = ['b1', 'b2', 'b3', 'b4', 'b5'];
    for (const id of agents) await store.ensure(id, 0);
    const drain = new StateEventDrain(t.db, redis, prefix, log);
    // Every change asks for a drain at once, as the agents service does.
    await Promise.all(
      agents.map(async (id, i) => {
        await store.apply(id, { type: 'login' }, 1000 + i, undefined, { callId: call.id, queueId: null });
        await drain.request();
        await store.apply(id, { type: 'ready' }, 2000 + i, undefined, { callId: call.id, queueId: null });
        await drain.request();
      }),
    );
    for (const id of agents) {
      const rows = await outboxOf(id);
      expect(rows.map((r) => r.payload.data['to'])).toEqual(['not_ready', 'ready']);
    }
    expect(await redis.llen(stateEventsKey(prefix))).toBe(0);
    const { rows: last } = await t.db.query<{ agent_id: string; state: string }>(
      'SELECT agent_id, state FROM acd_agent_last_state WHERE agent_id = ANY($1) ORDER BY agent_id',
      [agents],
    );
    expect(last).toEqual(agents.map((id) => ({ agent_id: id, state: 'ready' })));
    // The call's timeline holds each change once, each agent's in the order it happened.
    const { rows: timeline } = await t.db.query<{ data: { agentId: string; to: string } }>(
      "SELECT data FROM call_events WHERE call_id = $1 AND type = 'agent.state_changed' ORDER BY id",
      [call.id],
    );
    expect(timeline).toHaveLength(10);
    for (const id of agents) expect(timeline.filter((r) => r.data.agentId === id).map((r) => r.data.to)).toEqual(['not_ready', 'ready']);
  });

  it('two changes of one agent in one batch leave the later as its last state', async () => {
    const prefix = uniquePrefix('relay');
    const store = new AgentLiveStore(redis, prefix);
    await store.ensure('c1', 0);
    await store.apply('c1', { type: 'login' }, 1000);
    await store.apply('c1', { type: 'ready' }, 1000);
    await store.apply('c1', { type: 'not_ready', reason: 'break' }, 4000);
    expect(await drainStateEvents(t.db, redis, prefix, log)).toBe(3);
    const { rows } = await t.db.query('SELECT state, reason, since FROM acd_agent_last_state WHERE agent_id = $1', ['c1']);
    expect(rows).toEqual([{ state: 'not_ready', reason: 'break', since: new Date(4000) }]);
  });
});

// The drain after a change starts from the list its script returned, and its removal script
// carries the change's signal (decision 81): an old copy journals nothing twice and removes
// nothing it did not read; the signal is heard only once the event is in the outbox.
async function statesOf(agentId: string): Promise<string[]> {
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
    expect(await statesOf('h1')).toEqual(['not_ready']);
    expect(await redis.llen(stateEventsKey(prefix))).toBe(1);
    expect(await drain.request(fresh)).toBe(1);
    expect(await statesOf('h1')).toEqual(['not_ready', 'ready']);
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
        void statesOf(message).then((journaled) => {
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
