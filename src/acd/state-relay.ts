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
import { ACK_STATE_EVENTS } from './live-scripts.js';
import { stateEventsKey } from './live-store.js';
import { runScript } from './lua.js';
import { endsWrapUpOnCall, journalStateChanges } from './state-journal.js';

const BATCH = 100;

export interface DrainHooks {
  /** Test seam: runs after the commit, before the entries leave the list. */
  afterCommit?: () => Promise<void>;
}

/** One pass: up to BATCH pending events into the outbox. Returns how many were relayed. */
export async function drainStateEvents(db: Db, redis: Redis, prefix: string, log?: Logger, hooks: DrainHooks = {}): Promise<number> {
  const key = stateEventsKey(prefix);
  const raw = await redis.lrange(key, 0, BATCH - 1);
  if (!raw.length) return 0;
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
  // usual case), else each removed by value.
  await runScript(redis, ACK_STATE_EVENTS, 1, key, ...raw);
  if (junk.length) log?.error({ count: junk.length }, 'unreadable agent state events dropped');
  return events.length;
}

/**
 * One drain at a time in an instance. Every change asks for one; asked while a drain
 * runs, it waits for the next, which starts when the running one ends and so sees the
 * caller's entry. Changes of the same moment share a pass instead of each inserting
 * the same pending entries (and waiting on each other's rows to skip them).
 */
export class StateEventDrain {
  private running: Promise<number> | undefined;
  private next: Promise<number> | undefined;

  constructor(
    private readonly db: Db,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log?: Logger,
  ) {}

  /** Resolves once a drain that started after this call has ended: how many it relayed. */
  request(): Promise<number> {
    const running = this.running;
    if (!running) return this.start();
    this.next ??= running
      .catch(() => 0)
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<number> {
    const run = (async () => {
      let total = 0;
      for (;;) {
        const n = await drainStateEvents(this.db, this.redis, this.prefix, this.log);
        total += n;
        if (n < BATCH) return total;
      }
    })();
    this.running = run;
    run
      .finally(() => {
        if (this.running === run) this.running = undefined;
      })
      .catch(() => {});
    return run;
  }
}

export interface StateRelayOptions {
  db: Db;
  redis: Redis;
  prefix: string;
  log: Logger;
  /** How often to look for events left behind (by a crash, or a failed inline drain). */
  intervalMs?: number;
  /** The instance's drain, shared with the changes that ask for one. */
  drain?: StateEventDrain;
}

export class StateEventRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly drain: StateEventDrain;

  constructor(private readonly o: StateRelayOptions) {
    this.drain = o.drain ?? new StateEventDrain(o.db, o.redis, o.prefix, o.log);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
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

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.kick().finally(() => this.schedule(this.o.intervalMs ?? 1000));
    }, ms);
  }
}
