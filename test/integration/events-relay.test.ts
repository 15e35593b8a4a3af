// The outbox relay against real Postgres: order, batches, concurrent relays, failures.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { withTransaction } from '../../src/db/pool.js';
import { appendOutbox } from '../../src/events/outbox.js';
import { LocalEventBus } from '../../src/events/bus.js';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { LocalFanOut } from '../../src/events/local-fanout.js';
import type { EventsJobData } from '../../src/events/queues.js';
import { OutboxRelay } from '../../src/events/relay.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';
import { eventData } from '../helpers/events.js';
import { RecordingQueue } from '../helpers/recording-queue.js';

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

/** A queue answering after a round trip's time: keeps the queue path's transaction open. */
function recordingQueue(): RecordingQueue {
  const q = new RecordingQueue();
  q.delayMs = 2;
  return q;
}

function localFanOut(run: (data: EventsJobData) => Promise<unknown>, queue: RecordingQueue, ready = () => true, limit = 8): LocalFanOut {
  return new LocalFanOut({ run, enqueue: (runs) => queue.addBulk(runs), ready, limit, log });
}

describe('the relay fanning out its own passes (decision 83)', () => {
  it('publishes every event once with local and queue relays side by side while events keep coming', async () => {
    const queue = recordingQueue();
    const fannedOut: DomainEvent[][] = [];
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) ids.add((await emit(i)).id);
    const relays = [1, 2, 3].map(
      (k) =>
        new OutboxRelay({
          db: tdb.db,
          events: queue as never,
          log,
          batchSize: 10,
          // The third is an instance whose local fan-out is full (or of the previous release): the queue path.
          ...(k < 3 ? { local: localFanOut(async (d) => void fannedOut.push(d.events), queue) } : {}),
        }),
    );
    const emitting = (async () => {
      for (let i = 200; i < 300; i++) ids.add((await emit(i)).id);
    })();
    await Promise.all(
      relays.map(async (r) => {
        for (;;) {
          const moved = await r.relayOnce();
          if (moved === 0 && (await pending()) === 0 && ids.size === 300) return;
        }
      }),
    );
    await emitting;
    const all = [...fannedOut.flat(), ...queue.events];
    expect(all).toHaveLength(300);
    expect(new Set(all.map((e) => e.id))).toEqual(ids);
    expect(queue.events.length).toBeGreaterThan(0);
    expect(fannedOut.length).toBeGreaterThan(0);
    // Each run is consecutive journal events in order.
    const order = new Map([...ids].map((id, i) => [id, i]));
    for (const run of fannedOut) {
      const at = run.map((e) => order.get(e.id)!);
      expect(at).toEqual([...at].sort((a, b) => a - b));
    }
    expect(relays.reduce((s, r) => s + r.stats.published, 0)).toBe(300);
  });

  it('stamps, publishes and tells the journal moved in one pass', async () => {
    const queue = recordingQueue();
    const ran: string[] = [];
    let moved = 0;
    const local = localFanOut(async (d) => void ran.push(...d.events.map((e) => e.id)), queue);
    const relay = new OutboxRelay({ db: tdb.db, events: queue as never, log, local, onJournalMoved: () => moved++ });
    expect(await relay.relayOnce()).toBe(0);
    expect(moved).toBe(0);
    const events = [await emit(1), await emit(2)];
    expect(await relay.relayOnce()).toBe(2);
    expect(moved).toBe(1);
    await waitFor('the local run', () => ran.length === 2);
    expect(ran).toEqual(events.map((e) => e.id));
    const { rows } = await tdb.db.query('SELECT count(*)::int AS n FROM outbox WHERE position IS NULL');
    expect(rows[0].n).toBe(0);
    expect(await pending()).toBe(0);
    expect(queue.added).toHaveLength(0);
  });

  it('hands a run that failed to the events queue, the failed run first', async () => {
    const queue = recordingQueue();
    const runs: EventsJobData[] = [];
    const local = localFanOut(async (d) => {
      runs.push(d);
      if (runs.length === 2) throw new Error('Postgres went away');
    }, queue);
    const relay = new OutboxRelay({ db: tdb.db, events: queue as never, log, eventsPerJob: 2, local });
    const events = [];
    for (let i = 0; i < 5; i++) events.push(await emit(i));
    expect(await relay.relayOnce()).toBe(5);
    await waitFor('the local runs', () => queue.added.length > 0);
    // Runs of 2, 2, 1: the second failed; it and the third went to the queue.
    expect(queue.events.map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));
    expect(local.stats).toEqual({ runs: 1, handedToQueue: 2 });
    expect(await pending()).toBe(0);
    // The local runs had the payloads' text as stored, the very text a delivery read from
    // the outbox would send, in the order of their events (decision 95)...
    const { rows } = await tdb.db.query<{ body: string }>('SELECT payload::text AS body FROM outbox ORDER BY position');
    expect(runs.map((r) => r.bodies)).toEqual([rows.slice(0, 2).map((r) => r.body), rows.slice(2, 4).map((r) => r.body)]);
    // ...and Redis gets the events, not their text a second time.
    for (const job of queue.added) expect(job.data).not.toHaveProperty('bodies');
  });

  it('leaves the events in the outbox while its fan-out is full, stamps the journal, and goes on when a run ends (decision 95)', async () => {
    const queue = recordingQueue();
    const ran: string[][] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let roomTold = 0;
    const local = new LocalFanOut({
      run: async (d) => {
        ran.push(d.events.map((e) => e.id));
        if (ran.length === 1) await held;
      },
      enqueue: (runs) => queue.addBulk(runs),
      ready: () => true,
      limit: 1,
      onRoom: () => roomTold++,
      log,
    });
    const relay = new OutboxRelay({ db: tdb.db, events: queue as never, log, local });
    const first = await emit(1);
    expect(await relay.relayOnce()).toBe(1);
    const later = [await emit(2), await emit(3)];
    // Full: nothing published, nothing queued, but the journal numbered the new events.
    expect(await relay.relayOnce()).toBe(0);
    expect(queue.added).toHaveLength(0);
    expect(await pending()).toBe(2);
    const { rows } = await tdb.db.query('SELECT count(*)::int AS n FROM outbox WHERE position IS NULL');
    expect(rows[0].n).toBe(0);
    release();
    await waitFor('room told', () => roomTold === 1);
    expect(await relay.relayOnce()).toBe(2);
    await waitFor('the second run', () => ran.length === 2);
    expect(ran).toEqual([[first.id], later.map((e) => e.id)]);
    expect(queue.added).toHaveLength(0);
    expect(await pending()).toBe(0);
  });

  it('sends the next passes through the queue once a run has been stuck for its stall time, and publishes them live at once', async () => {
    const queue = recordingQueue();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const local = new LocalFanOut({ run: () => held, enqueue: (runs) => queue.addBulk(runs), ready: () => true, limit: 1, stallMs: 100, log });
    const bus = new LocalEventBus();
    const live: string[] = [];
    bus.subscribe((e) => live.push(e.id));
    const relay = new OutboxRelay({ db: tdb.db, events: queue as never, log, local, bus });
    await emit(1);
    expect(await relay.relayOnce()).toBe(1);
    const later = [await emit(2), await emit(3)];
    // A run just started: the pass waits in the outbox.
    expect(await relay.relayOnce()).toBe(0);
    expect(live).toHaveLength(1);
    // The run is still held past its stall time (a receiver hanging until its timeout).
    await new Promise((r) => setTimeout(r, 150));
    expect(await relay.relayOnce()).toBe(2);
    expect(queue.events.map((x) => x.id)).toEqual(later.map((e) => e.id));
    expect(live.slice(1)).toEqual(later.map((e) => e.id));
    expect(await pending()).toBe(0);
    release();
    await local.stop(1_000);
  });

  it('sends every pass through the queue with a limit of 0', async () => {
    const queue = recordingQueue();
    const local = localFanOut(async () => {}, queue, () => true, 0);
    const relay = new OutboxRelay({ db: tdb.db, events: queue as never, log, local });
    const e = await emit(1);
    expect(await relay.relayOnce()).toBe(1);
    expect(queue.events.map((x) => x.id)).toEqual([e.id]);
  });

  it('leaves a run that could be neither fanned out nor queued to the sweep', async () => {
    const queue = recordingQueue();
    queue.failing = true;
    let failed = 0;
    const local = localFanOut(async () => {
      failed++;
      throw new Error('Postgres went away');
    }, queue);
    const relay = new OutboxRelay({ db: tdb.db, events: queue as never, log, republishAfterMs: 100, local });
    const lost = await emit(1);
    expect(await relay.relayOnce()).toBe(1);
    await local.stop(1_000); // the run and its hand-over to the queue are over
    expect(failed).toBe(1);
    expect(local.stats.handedToQueue).toBe(0);
    expect(await pending()).toBe(0);
    queue.failing = false;
    expect(await relay.sweepLostJobs()).toBe(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(await relay.sweepLostJobs()).toBe(1);
    expect(queue.events.map((e) => e.id)).toEqual([lost.id]);
  });

  it('goes through the queue while its connection is down, and keeps the events until it is back', async () => {
    const queue = recordingQueue();
    queue.failing = true;
    let up = false;
    const ran: string[] = [];
    const local = localFanOut(async (d) => void ran.push(...d.events.map((e) => e.id)), queue, () => up);
    const relay = new OutboxRelay({ db: tdb.db, events: queue as never, log, local });
    const e = await emit(1);
    await expect(relay.relayOnce()).rejects.toThrow();
    expect(await pending()).toBe(1);
    up = true;
    queue.failing = false;
    expect(await relay.relayOnce()).toBe(1);
    await waitFor('the local run', () => ran.length === 1);
    expect(ran).toEqual([e.id]);
    expect(queue.added).toHaveLength(0);
  });
});
