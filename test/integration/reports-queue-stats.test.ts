// queue.stats on a real Postgres: written to the outbox when a queue's figures change,
// not when they do not, and once per round however many instances run.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../src/events/bus.js';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { createLogger } from '../../src/log.js';
import { QueueStatsPublisher } from '../../src/wallboard/queue-stats.js';
import { Wallboard } from '../../src/wallboard/feed.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
const log = createLogger('silent');
const view = { timeZone: 'UTC', serviceLevelSeconds: 20, serviceLevelTarget: 0.8 };
const event = (type: DomainEvent['type'], callId: string, data: Record<string, unknown>, occurredAt = new Date()): DomainEvent => ({
  id: randomUUID(), type, version: 1, occurredAt: occurredAt.toISOString(), callId, data,
});
const stats = async () =>
  (await t.db.query(`SELECT payload FROM outbox WHERE type = 'queue.stats' ORDER BY id`)).rows.map((r) => r.payload.data);

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe('queue.stats', () => {
  it('emits changed figures only, once across instances', async () => {
    const bus = new LocalEventBus();
    const wallboards = [new Wallboard({ db: t.db, bus, log }), new Wallboard({ db: t.db, bus, log })];
    await Promise.all(wallboards.map((w) => w.start()));
    const [a, b] = wallboards.map((wallboard) => new QueueStatsPublisher({ db: t.db, wallboard, log, intervalMs: 1, view }));

    expect(await a!.tick()).toBe(0); // nothing to say yet
    await bus.publish(event('call.queued', 'c1', { queue: { id: 'sales', priority: 0, position: 1 } }));
    // two instances in the same round: the advisory lock and the journal let one write
    const written = await Promise.all([a!.tick(), b!.tick()]);
    expect(written.reduce((x, y) => x + y, 0)).toBe(1);
    expect(await stats()).toEqual([expect.objectContaining({ queueId: 'sales', waiting: 1, offeredToday: 1, serviceLevelToday: 0, timeZone: 'UTC' })]);

    await bus.publish(event('call.connected', 'c1', { queueId: 'sales', waitMs: 3000, agent: { id: 'a1' } }));
    await new Promise((r) => setTimeout(r, 5));
    expect(await b!.tick()).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    expect(await a!.tick()).toBe(0); // same figures as the last emitted
    const last = (await stats()).at(-1);
    expect(last).toMatchObject({ queueId: 'sales', waiting: 0, longestWaitSeconds: 0, answeredToday: 1, serviceLevelToday: 1 });
    wallboards.forEach((w) => w.stop());
  });
});
