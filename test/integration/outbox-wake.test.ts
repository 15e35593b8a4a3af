// The outbox relay woken by Postgres notifications: with its poll far away, an event is
// published soon after its commit only because the commit woke it, and events committed
// while the LISTEN connection was gone are picked up when it is back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { withTransaction } from '../../src/db/pool.js';
import { WakeListener } from '../../src/db/wake-listener.js';
import { appendOutbox } from '../../src/events/outbox.js';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { OutboxRelay } from '../../src/events/relay.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { eventData } from '../helpers/events.js';
import { waitFor } from '../helpers/wait.js';

const FAR = 3_600_000;
const published: DomainEvent[] = [];
const queue = {
  async addBulk(jobs: Array<{ data: { events: DomainEvent[] } }>) {
    for (const j of jobs) published.push(...j.data.events);
    return [] as never;
  },
};

let tdb: TestDatabase;
let relay: OutboxRelay;
let listener: WakeListener;

const emit = () => withTransaction(tdb.db, (tx) => appendOutbox(tx, { type: 'call.created', data: eventData('call.created') }));

beforeAll(async () => {
  tdb = await createTestDatabase();
  relay = new OutboxRelay({ db: tdb.db, events: queue, log: createLogger('silent'), pollMs: FAR, idlePollMs: FAR, listening: () => listener.listening });
  listener = new WakeListener({ url: tdb.url, channel: 'cti_outbox', onWake: () => relay.wake(), reconnectMinMs: 50 });
  listener.start();
  await waitFor('LISTEN active', () => listener.listening);
  // Once the first pass has published this, nothing but a wake runs another for an hour.
  const seed = await emit();
  relay.start();
  await waitFor('the first pass', () => published.some((e) => e.id === seed.id));
});

afterAll(async () => {
  await listener?.stop();
  await relay?.stop();
  await tdb?.drop();
});

it('publishes a committed event without waiting for the poll', async () => {
  const event = await emit();
  await waitFor('the event published', () => published.some((e) => e.id === event.id));
});

it('does not wake for an insert that is rolled back', async () => {
  const before = published.length;
  await expect(
    withTransaction(tdb.db, async (tx) => {
      await appendOutbox(tx, { type: 'call.created', data: eventData('call.created') });
      throw new Error('rolled back');
    }),
  ).rejects.toThrow('rolled back');
  const after = await emit();
  await waitFor('the later event published', () => published.some((e) => e.id === after.id));
  expect(published.length).toBe(before + 1);
});

it('catches up on events committed while the LISTEN connection was down', async () => {
  const { rows } = await tdb.db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
  );
  expect(rows).toHaveLength(1);
  await tdb.db.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
  await waitFor('the listener noticing', () => !listener.listening);
  const missed = await emit();
  await waitFor('the missed event published after the reconnect', () => published.some((e) => e.id === missed.id));
  expect(listener.listening).toBe(true);
});
