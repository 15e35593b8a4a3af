// An agent left on a call that is over (no open leg, the call ended a while ago) is named
// as stuck; agents on live calls, and calls that ended moments ago, are not.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentLiveStore } from '../../src/acd/live-store.js';
import { saveAgent } from '../../src/acd/repository.js';
import { stuckAgents } from '../../src/acd/stuck.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const redis = new Redis(TEST_REDIS_URL);
let t: TestDatabase;
let live: AgentLiveStore;

beforeAll(async () => {
  t = await createTestDatabase();
  live = new AgentLiveStore(redis, uniquePrefix('stuck'));
});

afterAll(async () => {
  await redis.quit();
  await t?.drop();
});

async function onCall(agentId: string, callEndedSecondsAgo: number | null, openLeg: boolean): Promise<void> {
  await saveAgent(t.db, { id: agentId, name: agentId, endpoint: `PJSIP/${agentId}`, skills: {}, ringSeconds: 15, wrapUpSeconds: 0 }, 'create');
  const callId = randomUUID();
  await t.db.query(
    `INSERT INTO calls (id, pbx_node, channel_id, direction, state, ended_at)
     VALUES ($1, 'pbx1', $2, 'inbound', $3, now() - $4::int * interval '1 second')`,
    [callId, `ch-${agentId}`, callEndedSecondsAgo === null ? 'connected' : 'ended', callEndedSecondsAgo ?? 0],
  );
  if (openLeg) {
    await t.db.query(`INSERT INTO acd_agent_legs (offer_id, call_id, agent_id, channel_id, queue_id, reason) VALUES ($1, $2, $3, $4, NULL, 'queue')`, [
      `offer-${agentId}`,
      callId,
      agentId,
      `leg-${agentId}`,
    ]);
  }
  await live.ensure(agentId, Date.now());
  await live.apply(agentId, { type: 'login' }, Date.now());
  await live.apply(agentId, { type: 'ready' }, Date.now());
  await live.reserve(agentId, callId, `offer-${agentId}`, 10_000, Date.now());
  await live.apply(agentId, { type: 'answer' }, Date.now(), `offer-${agentId}`);
}

describe('stuck agents', () => {
  it('names agents on calls that ended a while ago without an open leg', async () => {
    await onCall('stuck1', 120, false);
    await onCall('talking', null, true);
    await onCall('justended', 1, false);
    await onCall('legopen', 120, true);
    expect(await stuckAgents(t.db, live)).toEqual(['stuck1']);
  });
});
