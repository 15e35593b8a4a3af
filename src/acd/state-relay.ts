// Moves agent.state_changed events from the Redis list the state scripts append to into
// the outbox. An entry leaves the list only after the transaction that inserted it has
// committed, and the insert ignores an event already there: a relay dying at any point
// loses nothing and duplicates nothing. Every instance runs one; concurrent relays are
// safe for the same reasons (each entry is removed by value, once).
import type { Redis } from 'ioredis';
import { withTransaction, type Db } from '../db/pool.js';
import type { DomainEvent } from '../events/catalogue.js';
import type { Logger } from '../log.js';
import { refreshCdrDetail } from '../cdrs/refresh.js';
import { ACK_STATE_EVENTS, STATE_EVENTS_BATCH } from './live-scripts.js';
import { stateEventsKey } from './live-store.js';
import { runScript } from './lua.js';
import { endsWrapUpOnCall, journalStateChanges } from './state-journal.js';

const BATCH = STATE_EVENTS_BATCH;

export interface DrainHooks {
  /** Test seam: runs after the commit, before the entries leave the list. */
  afterCommit?: () => Promise<void>;
}

/** A message for a Redis channel, sent when the drain that journaled its change is done. */
export interface DrainSignal {
  channel: string;
  message: string;
}

/** One pass: up to BATCH pending events into the outbox. Returns how many were relayed. */
export async function drainStateEvents(db: Db, redis: Redis, prefix: string, log?: Logger, hooks: DrainHooks = {}): Promise<number> {
  return (await relayPass(db, redis, prefix, log, hooks)).relayed;
}

/**
 * A pass. `head`: the list's head as a script that appended an entry returned it, read
 * in its step instead of by an LRANGE now. An old head is as good as an LRANGE that ran
 * then: entries another relay journaled since are skipped by the insert-once and were
 * removed already (the removal below then finds nothing). `signals` leave with the removal.
 */
async function relayPass(
  db: Db,
  redis: Redis,
  prefix: string,
  log: Logger | undefined,
  hooks: DrainHooks,
  head?: string[],
  signals: readonly DrainSignal[] = [],
): Promise<{ read: number; relayed: number }> {
  const key = stateEventsKey(prefix);
  const raw = head ?? (await redis.lrange(key, 0, BATCH - 1));
  if (!raw.length) {
    await Promise.all(signals.map((s) => redis.publish(s.channel, s.message)));
    return { read: 0, relayed: 0 };
  }
  const events: Array<{ raw: string; event: DomainEvent }> = [];
  const junk: string[] = [];
  for (const r of raw) {
    try {
      const event = JSON.parse(r) as DomainEvent;
      if (typeof event.id === 'string' && event.type === 'agent.state_changed') events.push({ raw: r, event });
      else junk.push(r);
    } catch {
      junk.push(r);
    }
  }
  // Only a first insert touches the call, so a relay that dies after its commit and
  // drains the same entry again adds nothing twice. A batch that ends a wrap-up completes
  // its call's CDR in the same transaction; any other batch is one statement, alone.
  const unique = [...new Map(events.map((e) => [e.event.id.toLowerCase(), e.event])).values()];
  if (unique.some(endsWrapUpOnCall)) {
    await withTransaction(db, async (tx) => {
      for (const cdrId of await journalStateChanges(tx, unique)) await refreshCdrDetail(tx, cdrId);
    });
  } else await journalStateChanges(db, unique);
  await hooks.afterCommit?.();
  // The entries leave in one step: cut off the head when it is still what was read (the
  // usual case), else each removed by value; the signals go in the same step, with the
  // last pass (a full one leaves entries behind, perhaps their changes').
  const send = raw.length < BATCH ? signals : [];
  await runScript(redis, ACK_STATE_EVENTS, 1, key, raw.length, ...raw, ...send.flatMap((s) => [s.channel, s.message]));
  if (junk.length) log?.error({ count: junk.length }, 'unreadable agent state events dropped');
  return { read: raw.length, relayed: events.length };
}

/** The requests one drain answers: the heads they brought, the signals they send. */
interface Batch {
  heads: Array<string[] | undefined>;
  signals: DrainSignal[];
  /** Asked while no drain ran: its heads are as new as the changes that asked. */
  fresh: boolean;
  done?: Promise<number>;
}

/**
 * One drain at a time in an instance. Every change asks for one; asked while a drain
 * runs, it waits for the next, which starts when the running one ends and so sees the
 * caller's entry. Changes of the same moment share a pass instead of each inserting
 * the same pending entries (and waiting on each other's rows to skip them).
 */
export class StateEventDrain {
  /** Told when a drain failed: its entries wait in Redis for the next pass. */
  onFailure: (() => void) | undefined;
  private running: Promise<number> | undefined;
  /** The batch of the drain starting in this loop turn, which a request joins. */
  private gathering: Batch | undefined;
  /** The batch of the drain that starts when the running one ends. */
  private queued: Batch | undefined;

  constructor(
    private readonly db: Db,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log?: Logger,
  ) {}

  /**
   * Resolves once a drain that started after this call has ended: how many it relayed.
   * `head`: the list's head as the script that appended the caller's entry returned it;
   * a drain that starts now takes it instead of reading the list. `signal`: sent with the
   * drain's removal of its entries, after the journal committed (a failed drain rejects,
   * and the caller sends it itself).
   */
  request(head?: string[], signal?: DrainSignal): Promise<number> {
    let batch = this.gathering ?? this.queued;
    if (!batch) {
      batch = { heads: [], signals: [], fresh: !this.running };
      if (batch.fresh) batch.done = this.start(batch);
      else {
        const queued = batch;
        this.queued = queued;
        queued.done = this.running!.catch(() => 0).then(() => {
          this.queued = undefined;
          return this.start(queued);
        });
      }
    }
    batch.heads.push(head);
    if (signal) batch.signals.push(signal);
    return batch.done!;
  }

  /** Resolves when no drain runs or waits to. */
  async idle(): Promise<void> {
    while (this.running || this.queued) await Promise.allSettled([this.running, this.queued?.done]);
  }

  private start(batch: Batch): Promise<number> {
    this.gathering = batch;
    const run = (async () => {
      // Changes answered in the same loop turn (one read of Redis's replies) share the
      // pass. setImmediate runs in this turn, after its I/O callbacks: no wake-up of its
      // own. One fresh head covers its change; of several, one's head might miss
      // another's entry, and a queued one is older than the drain before: those read.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.gathering = undefined;
      let total = 0;
      let head = batch.fresh && batch.heads.length === 1 ? batch.heads[0] : undefined;
      for (;;) {
        const pass = await relayPass(this.db, this.redis, this.prefix, this.log, {}, head, batch.signals);
        head = undefined;
        total += pass.relayed;
        if (pass.read < BATCH) break;
      }
      return total;
    })();
    this.running = run;
    run
      .finally(() => {
        if (this.running === run) this.running = undefined;
      })
      .catch(() => this.onFailure?.());
    return run;
  }
}

/**
 * The relay's own pass, a safety net: every change drains its event at once, and a drain
 * that failed brings the next pass forward (RETRY_AFTER_FAILURE_MS). What waits for this
 * pass is an event a crashed instance left in the list.
 */
export const SAFETY_PASS_MS = 5_000;
/** The next pass after a failed drain. */
export const RETRY_AFTER_FAILURE_MS = 1_000;

export interface StateRelayOptions {
  db: Db;
  redis: Redis;
  prefix: string;
  log: Logger;
  /** How often to look for events left behind by a crash (SAFETY_PASS_MS). */
  intervalMs?: number;
  /** The instance's drain, shared with the changes that ask for one. */
  drain?: StateEventDrain;
}

export class StateEventRelay {
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (Date.now() time). */
  private due = 0;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly drain: StateEventDrain;

  constructor(private readonly o: StateRelayOptions) {
    this.drain = o.drain ?? new StateEventDrain(o.db, o.redis, o.prefix, o.log);
    this.drain.onFailure = () => this.schedule(Math.min(RETRY_AFTER_FAILURE_MS, this.interval));
  }

  private get interval(): number {
    return this.o.intervalMs ?? SAFETY_PASS_MS;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.drain.idle();
  }

  /** Drains now, sharing a drain that starts after this call with every change that asks. */
  kick(): Promise<void> {
    const pass = this.drain.request().then(
      () => {},
      (err: Error) => this.o.log.warn({ err: err.message }, 'agent state event relay failed; retrying'),
    );
    this.running = pass;
    return pass;
  }

  /** The next pass in `ms`, unless one is due sooner already. */
  private schedule(ms: number): void {
    if (this.stopped) return;
    const due = Date.now() + ms;
    if (this.timer && this.due <= due) return;
    clearTimeout(this.timer);
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.kick().finally(() => this.schedule(this.interval));
    }, ms);
  }
}
