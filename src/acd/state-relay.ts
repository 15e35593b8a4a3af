// Moves agent.state_changed events from the Redis list the state scripts append to into
// the outbox. An entry leaves the list only after the transaction that inserted it has
// committed, and the insert ignores an event already there: a relay dying at any point
// loses nothing and duplicates nothing. Every instance runs one; concurrent relays are
// safe for the same reasons (each entry is removed by value, once).
import type { Redis } from 'ioredis';
import { withTransaction, type Db } from '../db/pool.js';
import type { DomainEvent } from '../events/catalogue.js';
import { insertOutboxOnce } from '../events/outbox.js';
import type { Logger } from '../log.js';
import { recordStateChangeOnCall } from './events.js';
import { recordLastState } from './last-state.js';
import { stateEventsKey } from './live-store.js';

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
  await withTransaction(db, async (tx) => {
    // Only a first insert touches the call, so a relay that dies after its commit and
    // drains the same entry again adds nothing twice.
    for (const e of events) {
      if (!(await insertOutboxOnce(tx, e.event))) continue;
      await recordStateChangeOnCall(tx, e.event);
      await recordLastState(tx, e.event);
    }
  });
  await hooks.afterCommit?.();
  const m = redis.multi();
  for (const e of events) m.lrem(key, 1, e.raw);
  for (const j of junk) m.lrem(key, 1, j);
  await m.exec();
  if (junk.length) log?.error({ count: junk.length }, 'unreadable agent state events dropped');
  return events.length;
}

export interface StateRelayOptions {
  db: Db;
  redis: Redis;
  prefix: string;
  log: Logger;
  /** How often to look for events left behind (by a crash, or a failed inline drain). */
  intervalMs?: number;
}

export class StateEventRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly o: StateRelayOptions) {}

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

  /** Drains now (after a local change), sharing a pass already under way. */
  kick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.kick().finally(() => this.schedule(this.o.intervalMs ?? 1000));
    }, ms);
  }

  private async pass(): Promise<void> {
    try {
      while ((await drainStateEvents(this.o.db, this.o.redis, this.o.prefix, this.o.log)) === BATCH && !this.stopped);
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'agent state event relay failed; retrying');
    }
  }
}
