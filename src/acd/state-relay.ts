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

/** One pass: up to BATCH pending events into the outbox. Returns how many were relayed. */
export async function drainStateEvents(db: Db, redis: Redis, prefix: string, log?: Logger, hooks: DrainHooks = {}): Promise<number> {
  const pass = await relayPass(db, redis, prefix, log, hooks);
  await pass.acked;
  return pass.relayed;
}

interface Pass {
  /** Entries read (relayed or dropped as unreadable). */
  read: number;
  relayed: number;
  /** The entries' removal from the list, sent once the journal committed. */
  acked: Promise<unknown>;
}

/**
 * A pass up to the journal's commit. `head`: the list's head as a script that appended an
 * entry returned it, read in its step instead of by an LRANGE now. An old head is as
 * good as an LRANGE that ran then: entries another relay journaled since are skipped by
 * the insert-once and were removed already (the removal below then finds nothing).
 */
async function relayPass(db: Db, redis: Redis, prefix: string, log: Logger | undefined, hooks: DrainHooks, head?: string[]): Promise<Pass> {
  const key = stateEventsKey(prefix);
  const raw = head ?? (await redis.lrange(key, 0, BATCH - 1));
  if (!raw.length) return { read: 0, relayed: 0, acked: Promise.resolve() };
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
  // usual case), else each removed by value. Sent now, awaited by the drain: whoever
  // waited for the journal goes on meanwhile (its signal goes out right behind this).
  const acked = runScript(redis, ACK_STATE_EVENTS, 1, key, ...raw);
  if (junk.length) log?.error({ count: junk.length }, 'unreadable agent state events dropped');
  return { read: raw.length, relayed: events.length, acked };
}

/**
 * One drain at a time in an instance. Every change asks for one; asked while a drain
 * runs, it waits for the next, which starts when the running one ends and so sees the
 * caller's entry. Changes of the same moment share a pass instead of each inserting
 * the same pending entries (and waiting on each other's rows to skip them).
 */
export class StateEventDrain {
  private running: Promise<unknown> | undefined;
  private next: Promise<number> | undefined;
  /** The requests of the loop turn a drain starts in, and the heads they brought. */
  private gathering: { heads: Array<string[] | undefined>; done: Promise<number> } | undefined;

  constructor(
    private readonly db: Db,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log?: Logger,
  ) {}

  /**
   * Resolves once a drain that started after this call has journaled what it read: how
   * many it relayed. The entries' removal from the list is still on its way then; the
   * next drain starts after it. `head`: the list's head as the script that appended the
   * caller's entry returned it; a drain that starts now takes it instead of reading.
   */
  request(head?: string[]): Promise<number> {
    const gathering = this.gathering;
    if (gathering) {
      gathering.heads.push(head);
      return gathering.done;
    }
    const running = this.running;
    if (!running) return this.start(head);
    this.next ??= running
      .catch(() => 0)
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  /** Resolves when no drain runs (its last removal from the list included). */
  async idle(): Promise<void> {
    while (this.running || this.next) await Promise.allSettled([this.running, this.next]);
  }

  private start(head?: string[]): Promise<number> {
    let committed = false;
    let journaled!: (n: number) => void;
    const done = new Promise<number>((resolve) => (journaled = resolve));
    const gathering: { heads: Array<string[] | undefined>; done?: Promise<number> } = { heads: [head] };
    const run = (async () => {
      // Changes answered in the same loop turn (one read of Redis's replies) share the
      // pass, as they did when every pass began with an LRANGE. setImmediate runs in this
      // turn, after its I/O callbacks: no wake-up of its own. One head covers its change;
      // the head of one of several might miss another's entry, so several read the list.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.gathering = undefined;
      let total = 0;
      for (let first = gathering.heads.length === 1 ? gathering.heads[0] : undefined; ; first = undefined) {
        const pass = await relayPass(this.db, this.redis, this.prefix, this.log, {}, first);
        total += pass.relayed;
        if (pass.read < BATCH) {
          committed = true;
          journaled(total);
          await pass.acked;
          return;
        }
        await pass.acked;
      }
    })();
    this.running = run;
    run
      .finally(() => {
        if (this.running === run) this.running = undefined;
      })
      .catch((err: Error) => {
        // Before the commit the request fails (its caller reports it); after, nobody waits.
        if (committed) this.log?.warn({ err: err.message }, 'journaled agent state events not removed from Redis; the relay retries');
      });
    // A pass that fails before its journal committed fails the request.
    const result = Promise.race([done, run.then(() => 0)]);
    this.gathering = { heads: gathering.heads, done: result };
    return result;
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

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.kick().finally(() => this.schedule(this.o.intervalMs ?? 1000));
    }, ms);
  }
}
