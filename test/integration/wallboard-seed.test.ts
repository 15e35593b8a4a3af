// The wallboard's start on a real Postgres and Redis: today's figures from the KPI rollups
// plus the journal events the rollups have not folded yet (each counted once, also when the
// bus repeats one the rollups hold), agents and waiting callers from the ACD's live state.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentLiveStore } from '../../src/acd/live-store.js';
import { QueueLiveStore } from '../../src/acd/queue-live.js';
import { LocalEventBus } from '../../src/events/bus.js';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { createLogger } from '../../src/log.js';
import { RollupWorker } from '../../src/reports/rollup-worker.js';
import { Wallboard } from '../../src/wallboard/feed.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

let t: TestDatabase;
let redis: Redis;
const prefix = uniquePrefix('wallboard');
const view = { timeZone: 'UTC', serviceLevelSeconds: 20, serviceLevelTarget: 0.8 };
const event = (type: DomainEvent['type'], callId: string, data: Record<string, unknown>): DomainEvent => ({
  id: randomUUID(), type, version: 1, occurredAt: new Date().toISOString(), callId, data,
});
const journal = async (events: DomainEvent[]) => {
  for (const e of events) await t.db.query('INSERT INTO outbox (event_id, type, payload) VALUES ($1, $2, $3)', [e.id, e.type, e]);
};
const call = (n: number) => {
  const callId = `c${n}`;
  return [
    event('call.queued', callId, { callId, queue: { id: 'sales', priority: 0, position: 1 } }),
    event('call.connected', callId, { callId, queueId: 'sales', waitMs: 4000, agent: { id: 'ada' } }),
  ];
};

beforeAll(async () => {
  t = await createTestDatabase();
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await t?.drop();
});

describe('wallboard start', () => {
  it('counts the rollups and the events after them once, and takes agents and waiting callers from the live ACD', async () => {
    await t.db.query("INSERT INTO acd_skills (name) VALUES ('sales')");
    await t.db.query("INSERT INTO acd_queues (id, name, definition) VALUES ('sales', 'Sales', $1)", [
      JSON.stringify({ id: 'sales', name: 'Sales', skills: { sales: 1 }, wideningSteps: [], serviceLevel: { percent: 80, seconds: 20 } }),
    ]);
    await t.db.query("INSERT INTO acd_agents (id, name, endpoint, skills, ring_seconds, wrap_up_seconds) VALUES ('ada', 'Ada', 'PJSIP/1001', '{\"sales\": 3}', 15, 10)");
    // Three calls folded into the rollups, two more journaled after them.
    const folded = [...call(1), ...call(2), ...call(3)];
    await journal(folded);
    expect(await new RollupWorker({ db: t.db }).catchUp()).toBe(true);
    await journal([...call(4), ...call(5)]);
    // The live ACD: ada is not ready, one caller waits.
    const agents = new AgentLiveStore(redis, prefix);
    const queues = new QueueLiveStore(redis, prefix);
    const now = Date.now();
    await agents.ensure('ada', now - 60_000);
    await agents.apply('ada', { type: 'login' }, now - 60_000);
    expect((await agents.apply('ada', { type: 'not_ready', reason: 'coaching' }, now - 30_000)).ok).toBe(true);
    await queues.put({
      callId: 'w1', queueId: 'sales', priority: 0, enteredMs: now - 45_000, skills: {}, pbxNode: 'pbx1', channelId: 'ch-w1',
      bridgeId: null, survey: null, overflowFrom: null, attempts: 0,
    });

    const bus = new LocalEventBus();
    const wallboard = new Wallboard({ db: t.db, bus, log: createLogger('silent'), live: { agents, queues }, coalesceMs: 1 });
    const started = wallboard.start();
    // While it seeds, the bus repeats an event the rollups hold and brings a new one.
    await bus.publish(folded[0]!);
    await bus.publish(event('call.queued', 'c6', { callId: 'c6', queue: { id: 'sales', priority: 0, position: 2 } }));
    await started;

    const sales = wallboard.view(view).queues.find((q) => q.id === 'sales')!;
    expect(sales).toMatchObject({ name: 'Sales', offeredToday: 6, answeredToday: 5 });
    expect(sales.serviceLevelToday).toBeCloseTo(5 / 6, 3);
    // Waiting: the live ACD's caller and the one the bus brought since (not the answered calls).
    expect(sales.waiting).toBe(2);
    expect(sales.longestWaitSeconds).toBeGreaterThanOrEqual(45);
    expect(wallboard.view(view).agents).toEqual([{ id: 'ada', name: 'Ada', state: 'not_ready', reason: 'coaching', since: now - 30_000 }]);
    wallboard.stop();
  });
});
