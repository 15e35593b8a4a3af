// The relay fanning out its own passes (decision 83) against real Postgres: every event
// once across relays of both kinds running together, failed runs handed to the queue,
// lost runs found by the sweep, and the queue path whenever the queue's connection is down.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { withTransaction } from '../../src/db/pool.js';
import { appendOutbox } from '../../src/events/outbox.js';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { LocalFanOut } from '../../src/events/local-fanout.js';
import type { EventsJob, EventsJobData } from '../../src/events/queues.js';
import { OutboxRelay } from '../../src/events/relay.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { eventData } from '../helpers/events.js';
import { waitFor } from '../helpers/wait.js';

/** What would go to BullMQ; `failing` behaves like an unreachable Redis. */
class RecordingQueue {
  added: EventsJob[] = [];
  failing = false;
  get events(): DomainEvent[] {
    return this.added.flatMap((j) => j.data.events);
  }
  async addBulk(jobs: EventsJob[]) {
    await new Promise((r) => setTimeout(r, 2)); // a round trip: keeps the queue path's transaction open
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

async function unpublished(): Promise<number> {
  const { rows } = await tdb.db.query('SELECT count(*)::int AS n FROM outbox WHERE (position IS NULL OR position > (SELECT published_upto FROM outbox_relay_state))');
  return rows[0].n;
}

function localFanOut(run: (data: EventsJobData) => Promise<unknown>, queue: RecordingQueue, ready = () => true, limit = 8): LocalFanOut {
  return new LocalFanOut({ run, enqueue: (runs) => queue.addBulk(runs), ready, limit, log });
}

describe('the relay fanning out its own passes', () => {
  it('publishes every event once with local and queue relays side by side while events keep coming', async () => {
    const queue = new RecordingQueue();
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
          if (moved === 0 && (await unpublished()) === 0 && ids.size === 300) return;
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
    const queue = new RecordingQueue();
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
    expect(await unpublished()).toBe(0);
    expect(queue.added).toHaveLength(0);
  });

  it('hands a run that failed to the events queue, the failed run first', async () => {
    const queue = new RecordingQueue();
    let calls = 0;
    const local = localFanOut(async () => {
      if (++calls === 2) throw new Error('Postgres went away');
    }, queue);
    const relay = new OutboxRelay({ db: tdb.db, events: queue as never, log, eventsPerJob: 2, local });
    const events = [];
    for (let i = 0; i < 5; i++) events.push(await emit(i));
    expect(await relay.relayOnce()).toBe(5);
    await waitFor('the local runs', () => queue.added.length > 0);
    // Runs of 2, 2, 1: the second failed; it and the third went to the queue.
    expect(queue.events.map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));
    expect(local.stats).toEqual({ runs: 1, handedToQueue: 2 });
    expect(await unpublished()).toBe(0);
  });

  it('leaves a run that could be neither fanned out nor queued to the sweep', async () => {
    const queue = new RecordingQueue();
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
    expect(await unpublished()).toBe(0);
    queue.failing = false;
    expect(await relay.sweepLostJobs()).toBe(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(await relay.sweepLostJobs()).toBe(1);
    expect(queue.events.map((e) => e.id)).toEqual([lost.id]);
  });

  it('goes through the queue while its connection is down, and keeps the events until it is back', async () => {
    const queue = new RecordingQueue();
    queue.failing = true;
    let up = false;
    const ran: string[] = [];
    const local = localFanOut(async (d) => void ran.push(...d.events.map((e) => e.id)), queue, () => up);
    const relay = new OutboxRelay({ db: tdb.db, events: queue as never, log, local });
    const e = await emit(1);
    await expect(relay.relayOnce()).rejects.toThrow();
    expect(await unpublished()).toBe(1);
    up = true;
    queue.failing = false;
    expect(await relay.relayOnce()).toBe(1);
    await waitFor('the local run', () => ran.length === 1);
    expect(ran).toEqual([e.id]);
    expect(queue.added).toHaveLength(0);
  });

  it('takes no more passes than its limit; the rest go through the queue', async () => {
    const queue = new RecordingQueue();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const local = localFanOut(() => held, queue, () => true, 1);
    const relay = new OutboxRelay({ db: tdb.db, events: queue as never, log, local });
    await emit(1);
    expect(await relay.relayOnce()).toBe(1);
    const second = await emit(2);
    expect(await relay.relayOnce()).toBe(1);
    expect(queue.events.map((e) => e.id)).toEqual([second.id]);
    release();
    await local.stop(1_000);
    expect(local.stats.runs).toBe(1);
  });
});
