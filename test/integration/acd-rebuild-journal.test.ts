// Redis loses the ACD's live state; the rebuild from Postgres puts agents back, and every
// agent it moves away from their last journaled state gets one agent.state_changed event
// (reason `rebuilt`), through the same Redis list and relay as any other change. Agents it
// leaves where the journal has them get none, and a second rebuild adds nothing.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REBUILT_REASON, rebuildAgents } from '../../src/acd/live-rebuild.js';
import { AgentLiveStore, stateEventsKey } from '../../src/acd/live-store.js';
import { lastStates } from '../../src/acd/last-state.js';
import { saveAgent } from '../../src/acd/repository.js';
import { drainStateEvents } from '../../src/acd/state-relay.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const redis = new Redis(TEST_REDIS_URL);
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  await redis.quit();
  await t?.drop();
});

async function newCall(): Promise<string> {
  const callId = randomUUID();
  await t.db.query(`INSERT INTO calls (id, pbx_node, channel_id, direction, state) VALUES ($1, 'pbx1', $2, 'inbound', 'connected')`, [callId, `ch-${callId}`]);
  return callId;
}

async function answeredLeg(agentId: string, callId: string): Promise<void> {
  await t.db.query(
    `INSERT INTO acd_agent_legs (offer_id, call_id, agent_id, channel_id, queue_id, reason, answered_at) VALUES ($1, $2, $3, $4, NULL, 'queue', now())`,
    [`leg-offer-${agentId}`, callId, agentId, `leg-${agentId}`],
  );
}

async function rebuildEvents(): Promise<Array<{ agentId: string; from: string; to: string; reason: string | null; callId: string | null }>> {
  const { rows } = await t.db.query<{ data: { agentId: string; from: string; to: string; reason: string | null; callId: string | null } }>(
    `SELECT payload->'data' AS data FROM outbox WHERE type = 'agent.state_changed' AND payload->'data'->>'reason' = $1 ORDER BY position, id`,
    [REBUILT_REASON],
  );
  return rows.map((r) => r.data);
}

/** Everything of the prefix gone, as from a Redis restarted without its data. */
async function loseRedisData(prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
}

describe('ACD rebuild journal', () => {
  it('journals each agent the rebuild moves, once, with reason rebuilt', async () => {
    const prefix = uniquePrefix('rebuild');
    const live = new AgentLiveStore(redis, prefix);
    const now = Date.now() - 60_000;
    const agents = ['ringing', 'hungup', 'talking', 'unseen', 'paused', 'idle'];
    for (const id of agents) {
      await saveAgent(t.db, { id, name: id, endpoint: `PJSIP/${id}`, skills: {}, ringSeconds: 15, wrapUpSeconds: 0 }, 'create');
      await live.ensure(id, now);
      expect((await live.apply(id, { type: 'login' }, now)).ok).toBe(true);
      expect((await live.apply(id, { type: 'ready' }, now + 1)).ok).toBe(true);
    }
    // ringing: offered a call when Redis went; the offer is gone with it.
    const ringCall = await newCall();
    expect(await live.reserve('ringing', ringCall, 'offer-ringing', 60_000, now + 2)).toMatchObject({ ok: true });
    // hungup: journaled on a call whose agent leg has since ended (or never was recorded).
    const doneCall = await newCall();
    await live.reserve('hungup', doneCall, 'offer-hungup', 60_000, now + 2);
    expect((await live.apply('hungup', { type: 'answer' }, now + 3, 'offer-hungup')).ok).toBe(true);
    // talking: on a call whose answered leg is still open: stays on it.
    const talkCall = await newCall();
    await live.reserve('talking', talkCall, 'offer-talking', 60_000, now + 2);
    await live.apply('talking', { type: 'answer' }, now + 3, 'offer-talking');
    await answeredLeg('talking', talkCall);
    // unseen: journaled ready, but an answered leg is open (its answer was lost with Redis).
    const unseenCall = await newCall();
    await answeredLeg('unseen', unseenCall);
    // paused: not ready for lunch; idle: ready. Neither moves.
    await live.apply('paused', { type: 'not_ready', reason: 'lunch' }, now + 4);
    while ((await drainStateEvents(t.db, redis, prefix)) > 0);
    expect((await lastStates(t.db)).get('hungup')?.state).toBe('on_call');

    await loseRedisData(prefix);
    const written = await rebuildAgents(t.db, live, false, now + 10_000);
    expect(written.sort()).toEqual([...agents].sort());
    // The events wait in Redis with the states they go with, like any other change's.
    expect(await redis.llen(stateEventsKey(prefix))).toBe(3);
    while ((await drainStateEvents(t.db, redis, prefix)) > 0);

    const events = await rebuildEvents();
    expect(events.sort((a, b) => a.agentId.localeCompare(b.agentId))).toEqual([
      expect.objectContaining({ agentId: 'hungup', from: 'on_call', to: 'ready', reason: 'rebuilt', callId: doneCall }),
      expect.objectContaining({ agentId: 'ringing', from: 'reserved', to: 'ready', reason: 'rebuilt', callId: ringCall }),
      expect.objectContaining({ agentId: 'unseen', from: 'ready', to: 'on_call', reason: 'rebuilt', callId: unseenCall }),
    ]);
    const lasts = await lastStates(t.db);
    expect(Object.fromEntries(agents.map((id) => [id, lasts.get(id)?.state]))).toEqual({
      ringing: 'ready',
      hungup: 'ready',
      talking: 'on_call',
      unseen: 'on_call',
      paused: 'not_ready',
      idle: 'ready',
    });
    // The changes joined the calls they name, as any agent change does.
    const { rows } = await t.db.query(`SELECT call_id FROM call_events WHERE type = 'agent.state_changed' AND data->>'reason' = 'rebuilt'`);
    expect(rows.map((r) => r.call_id).sort()).toEqual([doneCall, ringCall, unseenCall].sort());

    // Another instance rebuilding over the same empty Redis finds the agents written: no event.
    expect(await rebuildAgents(t.db, live, false, now + 11_000)).toEqual([]);
    // A rebuild over an old snapshot overwrites, but the journal already has every agent there.
    expect((await rebuildAgents(t.db, live, true, now + 12_000)).length).toBe(agents.length);
    expect(await redis.llen(stateEventsKey(prefix))).toBe(0);
    expect(await rebuildEvents()).toHaveLength(3);
  });

  it('writes no event for an agent a live change reached first', async () => {
    const prefix = uniquePrefix('rebuild');
    const live = new AgentLiveStore(redis, prefix);
    const now = Date.now() - 60_000;
    await saveAgent(t.db, { id: 'quick', name: 'quick', endpoint: 'PJSIP/quick', skills: {}, ringSeconds: 15, wrapUpSeconds: 0 }, 'create');
    await live.ensure('quick', now);
    await live.apply('quick', { type: 'login' }, now);
    await live.apply('quick', { type: 'ready' }, now + 1);
    const call = await newCall();
    await live.reserve('quick', call, 'offer-quick', 60_000, now + 2);
    while ((await drainStateEvents(t.db, redis, prefix)) > 0);
    await loseRedisData(prefix);
    // Logged in again through the API before the rebuild reached this agent.
    await live.ensure('quick', now + 5_000);
    await live.apply('quick', { type: 'login' }, now + 5_000);
    while ((await drainStateEvents(t.db, redis, prefix)) > 0);
    // The first test's agents are rebuilt here too (one database): only `quick` is looked at.
    expect(await rebuildAgents(t.db, live, false, now + 10_000)).not.toContain('quick');
    while ((await drainStateEvents(t.db, redis, prefix)) > 0);
    expect((await rebuildEvents()).filter((e) => e.agentId === 'quick')).toEqual([]);
    expect((await live.get('quick'))?.state).toBe('not_ready');
    expect((await lastStates(t.db)).get('quick')?.state).toBe('not_ready');
  });
});
