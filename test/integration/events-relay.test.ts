// The outbox relay against real Postgres: order, batches, concurrent relays, failures.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { withTransaction } from '../../src/db/pool.js';
import { appendOutbox } from '../../src/events/outbox.js';
import { LocalEventBus } from '../../src/events/bus.js';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { OutboxRelay } from '../../src/events/relay.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';
import { eventData } from '../helpers/events.js';

type Added = { name: string; data: { events: DomainEvent[] }; opts?: { jobId?: string } };

/** Records what would go to BullMQ; `failing` makes it behave like an unreachable Redis. */
class RecordingQueue {
  added: Added[] = [];
  /** Every event of every job, in the order they were queued. */
  get events(): DomainEvent[] {
    return this.added.flatMap((j) => j.data.events);
  }
  failing = false;
  delayMs = 0;
  async addBulk(jobs: Added[]) {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failing) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
    this.added.push(...jobs);
    return [] as never;
  }
}

let tdb: TestDatabase;
const log = createLogger('silent');

beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb?.drop();
});
beforeEach(async () => {
  await tdb.db.query('DELETE FROM outbox');
});

async function emit(n: number): Promise<DomainEvent> {
  return withTransaction(tdb.db, (tx) => appendOutbox(tx, { type: 'queue.stats', data: eventData('queue.stats', { n }) }));
}

describe('OutboxRelay', () => {
  it('publishes in id order, in runs of events per job, to the queue then the bus, and marks rows', async () => {
    const q = new RecordingQueue();
    const bus = new LocalEventBus();
    const onBus: string[] = [];
    bus.subscribe((e) => onBus.push(e.id));
    const events = [];
    for (let i = 0; i < 7; i++) events.push(await emit(i));
    const relay = new OutboxRelay({ db: tdb.db, events: q as never, bus, log, batchSize: 3, eventsPerJob: 2 });
    expect(await relay.relayOnce()).toBe(3);
    expect(await relay.relayOnce()).toBe(3);
    expect(await relay.relayOnce()).toBe(1);
    expect(await relay.relayOnce()).toBe(0);
    expect(q.events).toEqual(events);
    // batches of 3 rows, at most 2 events per job: 2+1, 2+1, 1
    expect(q.added.map((j) => j.data.events.length)).toEqual([2, 1, 2, 1, 1]);
    expect(onBus).toEqual(events.map((e) => e.id));
    const { rows } = await tdb.db.query('SELECT count(*)::int AS n FROM outbox WHERE (position IS NULL OR position > (SELECT published_upto FROM outbox_relay_state))');
    expect(rows[0].n).toBe(0);
  });

  it('tells what follows the journal when a pass stamped positions, also when the queue is away', async () => {
    const q = new RecordingQueue();
    let moved = 0;
    const relay = new OutboxRelay({ db: tdb.db, events: q as never, log, onJournalMoved: () => moved++ });
    expect(await relay.relayOnce()).toBe(0);
    expect(moved).toBe(0);
    await emit(1);
    expect(await relay.relayOnce()).toBe(1);
    expect(moved).toBe(1);
    q.failing = true;
    await emit(2);
    await expect(relay.relayOnce()).rejects.toThrow();
    expect(moved).toBe(2);
    q.failing = false;
    // Already stamped: the journal did not move again.
    expect(await relay.relayOnce()).toBe(1);
    expect(moved).toBe(2);
  });

  it('leaves rows unpublished while the queue is unreachable and sends them once it is back', async () => {
    const q = new RecordingQueue();
    q.failing = true;
    const relay = new OutboxRelay({ db: tdb.db, events: q as never, log, pollMs: 10, maxBackoffMs: 40 });
    const a = await emit(1);
    relay.start();
    try {
      await waitFor('the relay', () => relay.stats.failures >= 3);
      const b = await emit(2);
      const { rows } = await tdb.db.query('SELECT count(*)::int AS n FROM outbox WHERE (position IS NULL OR position > (SELECT published_upto FROM outbox_relay_state))');
      expect(rows[0].n).toBe(2);
      expect(q.added).toHaveLength(0);
      q.failing = false;
      await waitFor('the relay', () => q.events.length === 2);
      expect(q.events.map((e) => e.id)).toEqual([a.id, b.id]);
    } finally {
      await relay.stop();
    }
  });

  it('lets several relays run at once without publishing a row twice', async () => {
    const q = new RecordingQueue();
    q.delayMs = 2; // keep transactions open long enough to overlap
    const ids = new Set<string>();
    for (let i = 0; i < 300; i++) ids.add((await emit(i)).id);
    const relays = [1, 2, 3].map(() => new OutboxRelay({ db: tdb.db, events: q as never, log, batchSize: 10 }));
    await Promise.all(
      relays.map(async (r) => {
        while ((await r.relayOnce()) > 0 || (await pending()) > 0) {
          /* drain */
        }
      }),
    );
    expect(q.events).toHaveLength(300);
    expect(new Set(q.events.map((e) => e.id))).toEqual(ids);
    // Each relay did some of the work: the locks were skipped, not waited for.
    expect(relays.filter((r) => r.stats.published > 0).length).toBeGreaterThan(1);
    expect(relays.reduce((s, r) => s + r.stats.published, 0)).toBe(300);
  });

  it('sends again an event whose job was lost, once per grace period, until it is fanned out', async () => {
    const q = new RecordingQueue();
    const relay = new OutboxRelay({ db: tdb.db, events: q as never, log, republishAfterMs: 100 });
    const lost = await emit(1);
    const done = await emit(2);
    expect(await relay.relayOnce()).toBe(2);
    await tdb.db.query('UPDATE outbox SET fanned_out_at = now() WHERE event_id = $1', [done.id]);
    q.added.length = 0;
    // The first sweep only notes the watermark: nothing has been on the queue a grace period yet.
    expect(await relay.sweepLostJobs()).toBe(0);
    await sleep(150);
    expect(await relay.sweepLostJobs()).toBe(1);
    await sleep(150);
    // Its new job was lost as well.
    expect(await relay.sweepLostJobs()).toBe(1);
    await tdb.db.query('UPDATE outbox SET fanned_out_at = now() WHERE event_id = $1', [lost.id]);
    await sleep(150);
    expect(await relay.sweepLostJobs()).toBe(0);
    expect(q.events.map((e) => e.id)).toEqual([lost.id, lost.id]);
    // The fan-out's mark stays heap-only: no index names the column.
    const { rows } = await tdb.db.query("SELECT count(*)::int AS n FROM pg_indexes WHERE tablename LIKE 'outbox%' AND indexdef LIKE '%fanned_out_at%'");
    expect(rows[0].n).toBe(0);
  });

  it('picks up new rows by polling and stops cleanly', async () => {
    const q = new RecordingQueue();
    const relay = new OutboxRelay({ db: tdb.db, events: q as never, log, pollMs: 20 });
    relay.start();
    const e = await emit(9);
    await waitFor('the relay', () => q.events.length === 1);
    expect(q.events[0]!.id).toBe(e.id);
    await relay.stop();
    await emit(10);
    await new Promise((r) => setTimeout(r, 100));
    expect(q.events).toHaveLength(1);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pending(): Promise<number> {
  const { rows } = await tdb.db.query('SELECT count(*)::int AS n FROM outbox WHERE (position IS NULL OR position > (SELECT published_upto FROM outbox_relay_state))');
  return rows[0].n;
}


describe('an instance of the previous release during a rolling upgrade', () => {
  // The previous release's relay read unpublished rows by `published_at` through a partial
  // index; since migration 195 the new relays keep a watermark instead.
  const PREVIOUS_RELAY = `SELECT id FROM outbox WHERE published_at IS NULL AND position IS NOT NULL
    ORDER BY position LIMIT 100 FOR UPDATE SKIP LOCKED`;

  it('finds nothing of the new rows to publish, through its index left empty', async () => {
    for (let i = 0; i < 5; i++) await emit(i);
    const relay = new OutboxRelay({ db: tdb.db, events: new RecordingQueue() as never, bus: new LocalEventBus(), log });
    await relay.relayOnce();
    const { rows: stamped } = await tdb.db.query('SELECT count(*)::int AS n FROM outbox WHERE position IS NOT NULL AND published_at IS NOT NULL');
    expect(stamped[0].n).toBe(5);
    const found = await withTransaction(tdb.db, (tx) => tx.query(PREVIOUS_RELAY));
    expect(found.rows).toEqual([]);
    const { rows: indexes } = await tdb.db.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'outbox' AND indexdef LIKE '%WHERE ((published_at IS NULL)%'`,
    );
    expect(indexes.length).toBeGreaterThan(0);
  });
});
