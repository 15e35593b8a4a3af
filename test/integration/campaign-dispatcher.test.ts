// The campaign dispatcher on real Postgres and Redis: two instances kick at once, one of
// them (the lease holder) hands each due contact to its port exactly once; an agent
// becoming ready starts a round; an ended call reaches the port on every instance.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignTask } from '../../src/campaigns/acd-seam.js';
import { CampaignDispatcher, type TaskRunner } from '../../src/campaigns/dispatcher.js';
import { addContacts, createCampaign } from '../../src/campaigns/repository.js';
import { withTransaction } from '../../src/db/pool.js';
import { LocalEventBus } from '../../src/events/bus.js';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';

let t: TestDatabase;
let redis: Redis;
const prefix = uniquePrefix('campaign-dispatch');
const always = [{ days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00' }];

/** A port that takes every task and remembers which instance offered it. */
class Recorder implements TaskRunner {
  offered: CampaignTask[] = [];
  ended: string[] = [];
  accept = true;
  async offer(task: CampaignTask): Promise<boolean> {
    if (this.accept) this.offered.push(task);
    return this.accept;
  }
  async expireDue(): Promise<number> {
    return 0;
  }
  async callEnded(callId: string): Promise<void> {
    this.ended.push(callId);
  }
}

beforeAll(async () => {
  t = await createTestDatabase();
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  redis?.disconnect();
  await t?.drop();
});

const event = (type: string, data: Record<string, unknown>, callId?: string): DomainEvent =>
  ({ id: crypto.randomUUID(), type, version: 1, occurredAt: new Date().toISOString(), ...(callId ? { callId } : {}), data }) as DomainEvent;

describe('the campaign dispatcher', () => {
  it('runs on one instance at a time, offers each due contact once, and starts a round when an agent is ready', async () => {
    const campaign = await createCampaign(t.db, { name: 'c', source: { type: 'csv' }, timeZone: 'UTC', callingHours: always, maxAttempts: 1, retryMinutes: 0, queueId: 'q' });
    await createCampaign(t.db, { name: 'no queue', source: { type: 'csv' }, timeZone: 'UTC', callingHours: always, maxAttempts: 1, retryMinutes: 0 });
    await addContacts(t.db, campaign.id, [{ number: '0612000001' }, { number: '0612000002' }, { number: '0612000003' }]);
    const bus = new LocalEventBus();
    const runners = [new Recorder(), new Recorder()];
    runners[0]!.accept = false; // nobody free yet
    runners[1]!.accept = false;
    const log = createLogger('silent');
    const dispatchers = runners.map((tasks, i) => new CampaignDispatcher({ db: t.db, redis, redisPrefix: prefix, instanceId: `instance-${i}`, bus, tasks, log, intervalMs: 60_000 }));
    for (const d of dispatchers) d.start();
    try {
      for (const d of dispatchers) d.kick();
      await waitUntil(async () => (await redis.get(`${prefix}:campaigns:dispatcher`)) !== null, 'a lease holder');
      const holder = Number((await redis.get(`${prefix}:campaigns:dispatcher`))!.split('-')[1]);
      for (const r of runners) r.accept = true;
      // An agent becoming ready starts a round on every instance; only the holder offers.
      await bus.publish(event('agent.state_changed', { agentId: 'a', from: 'not_ready', to: 'ready' }));
      await waitUntil(() => runners[holder]!.offered.length === 3, 'the three contacts offered');
      for (const d of dispatchers) d.kick();
      await bus.publish(event('agent.state_changed', { agentId: 'a', from: 'wrap_up', to: 'ready' }));
      await waitUntil(async () => (await t.db.query(`SELECT 1 FROM campaign_contacts WHERE status = 'offered'`)).rowCount === 3, 'contacts marked offered');
      expect(runners[1 - holder]!.offered).toEqual([]);
      expect(runners[holder]!.offered.map((x) => x.contact.number).sort()).toEqual(['0612000001', '0612000002', '0612000003']);
      expect(runners[holder]!.offered.every((x) => x.queueId === 'q' && x.campaignId === campaign.id)).toBe(true);

      await bus.publish(event('call.ended', {}, '11111111-1111-4111-8111-111111111111'));
      await waitUntil(() => runners.every((r) => r.ended.length === 1), 'every instance hears the end of a call');
    } finally {
      for (const d of dispatchers) await d.stop();
    }
  });

  it('sleeps while no campaign runs, and a campaign made active wakes it through its trigger', async () => {
    const sleepy = uniquePrefix('campaign-sleep');
    const bus = new LocalEventBus();
    const tasks = new Recorder();
    await t.db.query(`UPDATE campaigns SET status = 'paused'`);
    const d = new CampaignDispatcher({ db: t.db, redis, redisPrefix: sleepy, instanceId: 'sleeper', bus, tasks, log: createLogger('silent'), intervalMs: 60_000, notifyUrl: t.url });
    d.start();
    try {
      d.kick();
      await waitUntil(() => d.sleeping && d.listening, 'the dispatcher asleep, listening');
      // Asleep, an agent becoming ready takes no lease and an ended call is not looked up.
      await bus.publish(event('agent.state_changed', { agentId: 'a', from: 'not_ready', to: 'ready' }));
      await bus.publish(event('call.ended', {}, '22222222-2222-4222-8222-222222222222'));
      expect(await redis.get(`${sleepy}:campaigns:dispatcher`)).toBeNull();
      expect(tasks.ended).toEqual([]);

      // The campaign and its contact in one transaction: its NOTIFY leaves at the commit, so the
      // woken round finds the contact (a round woken between the two would find none, and the
      // next one is the minute-long timer's).
      await withTransaction(t.db, async (tx) => {
        const campaign = await createCampaign(tx, { name: 'woken', source: { type: 'csv' }, timeZone: 'UTC', callingHours: always, maxAttempts: 1, retryMinutes: 0, queueId: 'q2' });
        await addContacts(tx, campaign.id, [{ number: '0612000009' }]);
      });
      // Only the NOTIFY can start this round: the timer is a minute away and nobody kicks.
      await waitUntil(() => tasks.offered.some((x) => x.contact.number === '0612000009'), 'the woken dispatcher offers the new contact');
      expect(d.sleeping).toBe(false);
      await bus.publish(event('call.ended', {}, '33333333-3333-4333-8333-333333333333'));
      await waitUntil(() => tasks.ended.includes('33333333-3333-4333-8333-333333333333'), 'an ended call looked at once awake');
    } finally {
      await d.stop();
    }
  });
});
