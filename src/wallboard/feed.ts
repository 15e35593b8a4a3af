// The live wallboard feed: folds bus events into the wallboard state (seeded from the
// journal at start, so a restart does not blank the wall) and tells screens when it changed.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Db } from '../db/pool.js';
import type { EventBus } from '../events/bus.js';
import type { DomainEvent } from '../events/catalogue.js';
import { qualifies, widestQueueSkills } from '../acd/priority.js';
import { listAgents, listQueues } from '../acd/repository.js';
import type { Logger } from '../log.js';
import { applyEvent, emptyWallboard, pruneWallboard, wallboardView, type WallboardOptions, type WallboardView } from './state.js';

const SEED_PAGE = 2_000;
const WALLBOARD_TYPES = ['call.queued', 'call.connected', 'call.abandoned', 'call.overflowed', 'call.ended', 'agent.state_changed'];

export class Wallboard {
  private readonly state = emptyWallboard();
  private readonly listeners = new Set<() => void>();
  private unsubscribe?: () => void;
  private pending?: NodeJS.Timeout;
  private tick?: NodeJS.Timeout;
  private ready?: Promise<void>;
  /** Agents who can serve a set of queues (by the sorted ids), for screens limited to those queues. */
  private readonly serving = new Map<string, { agents: ReadonlySet<string>; at: number; loading?: Promise<void> }>();

  constructor(
    private readonly deps: { db: Db; bus: EventBus; log: Logger; now?: () => number; coalesceMs?: number },
  ) {}

  /** Subscribes first and seeds second: events in between are applied once (by id). */
  start(): Promise<void> {
    if (this.ready) return this.ready;
    this.unsubscribe = this.deps.bus.subscribe((e) => this.apply(e));
    // Day rollover and pruning need a periodic refresh even when nothing happens.
    this.tick = setInterval(() => {
      pruneWallboard(this.state, this.now());
      this.changed();
    }, 30_000);
    this.tick.unref();
    this.ready = this.seed().catch((err) => this.deps.log.warn({ err }, 'wallboard could not read the journal; starting empty'));
    return this.ready;
  }

  view(options: WallboardOptions): WallboardView {
    return wallboardView(this.state, this.now(), options, options.queues ? this.servingNow(options.queues) : undefined);
  }

  /** Loads what a view needs before its first frame (who serves its queues). */
  async prepare(options: WallboardOptions): Promise<void> {
    if (options.queues) await this.loadServing(options.queues);
  }

  /**
   * A screen for some queues shows only their agents: a team leader's link must not show
   * the whole floor. Agent and queue definitions change rarely: read at most every 30 s.
   */
  private servingNow(queues: string[]): ReadonlySet<string> {
    const entry = this.serving.get(servingKey(queues));
    if (!entry || this.now() - entry.at > 30_000) void this.loadServing(queues);
    return entry?.agents ?? new Set();
  }

  private loadServing(queues: string[]): Promise<void> {
    const key = servingKey(queues);
    const entry = this.serving.get(key);
    if (entry?.loading) return entry.loading;
    const loading = (async () => {
      const [agents, defs] = await Promise.all([listAgents(this.deps.db), listQueues(this.deps.db)]);
      const wanted = defs.filter((q) => queues.includes(q.id)).map(widestQueueSkills);
      const ids = new Set(agents.filter((a) => wanted.some((skills) => qualifies(a.skills, skills))).map((a) => a.id));
      this.serving.set(key, { agents: ids, at: this.now() });
    })().catch((err: unknown) => {
      this.deps.log.warn({ err }, 'wallboard could not read which agents serve a queue');
      const old = this.serving.get(key);
      if (old) old.loading = undefined;
    });
    this.serving.set(key, { agents: entry?.agents ?? new Set(), at: entry?.at ?? 0, loading });
    return loading;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.unsubscribe?.();
    clearInterval(this.tick);
    clearTimeout(this.pending);
    this.listeners.clear();
  }

  /** The last 26 hours of the journal, a page at a time, yielding between pages. */
  private async seed(): Promise<void> {
    // Ids follow time closely enough to start from the first id of the window (the time
    // index finds it); from there the primary key pages.
    const first = await this.deps.db.query(
      `SELECT id FROM outbox WHERE created_at >= now() - interval '26 hours' ORDER BY created_at LIMIT 1`,
    );
    if (!first.rows.length) return;
    let after = Number(first.rows[0].id) - 1;
    let changed = false;
    for (;;) {
      const { rows } = await this.deps.db.query(
        `SELECT id, payload FROM outbox
          WHERE type = ANY($1) AND created_at >= now() - interval '26 hours' AND id > $2
          ORDER BY id LIMIT ${SEED_PAGE}`,
        [WALLBOARD_TYPES, after],
      );
      for (const r of rows) changed = applyEvent(this.state, r.payload) || changed;
      if (rows.length < SEED_PAGE) break;
      after = Number(rows[rows.length - 1].id);
      await yieldToLoop();
    }
    if (changed) this.changed();
  }

  private apply(e: DomainEvent): void {
    if (!WALLBOARD_TYPES.includes(e.type)) return;
    if (applyEvent(this.state, e as never)) this.changed();
  }

  /** Screens get at most one update per coalescing window, however busy the centre. */
  private changed(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      for (const l of this.listeners) l();
    }, this.deps.coalesceMs ?? 200);
    this.pending.unref();
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

const servingKey = (queues: string[]) => [...queues].sort().join(',');
