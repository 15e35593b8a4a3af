// The live wallboard feed: folds bus events into the wallboard state and tells screens when
// it changed. At start it is seeded with bounded work: today's queue rollups with the
// journal position they cover, the events after that position (what the rollup worker has
// not folded yet), and the ACD's live state (agents, waiting callers) from Redis; the live
// state is read again every half minute, so a lost event is mended.
import type { AgentLiveStore } from '../acd/live-store.js';
import type { QueueLiveStore } from '../acd/queue-live.js';
import type { Db } from '../db/pool.js';
import { WakeListener } from '../db/wake-listener.js';
import type { EventBus } from '../events/bus.js';
import type { DomainEvent } from '../events/catalogue.js';
import { addDays, localMidnight, localTime } from '../local-time.js';
import type { Logger } from '../log.js';
import type { JournalEvent } from '../reports/kpi.js';
import { eventsAfter, placedBy, readDay, readDirectory, readRecentQuarters } from './seed.js';
import { addQuarter, applyEvent, emptyWallboard, KEEP_MS, pruneWallboard, WALLBOARD_TYPES, type WallboardOptions } from './state.js';
import { wallboardView, type DaySlots, type Directory, type WallboardView } from './view.js';

const SEED_PAGE = 2_000;
/** Events the rollups may be behind by before the board gives up catching up at start. */
const SEED_MAX_PAGES = 50;
const BUFFER_MAX = 20_000;
const REFRESH_MS = 30_000;
const PAST_DAY_MS = 300_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WallboardDeps {
  db: Db;
  bus: EventBus;
  log: Logger;
  /** The ACD's live state; without it agents and waiting callers come from events alone. */
  live?: { agents: AgentLiveStore; queues: QueueLiveStore };
  now?: () => number;
  coalesceMs?: number;
  /**
   * Postgres to LISTEN on for changed thresholds and definitions (see migration 161), so
   * that a change made on any instance shows on every board at once. Without it (PGlite)
   * they are read again at the next half-minute pass.
   */
  notifyUrl?: string;
  /** The mending pass: live state and definitions read again (default half a minute). */
  refreshMs?: number;
}

const CONFIG_CHANNEL = 'cti_wallboard_config';

export class Wallboard {
  private readonly state = emptyWallboard();
  private directory: Directory = { queues: new Map(), agents: new Map() };
  private readonly listeners = new Set<() => void>();
  /** Same weekday last week, per zone and date: read every few minutes (late folds, a rollup rebuild). */
  private readonly pastDays = new Map<string, { slots: DaySlots; at: number; loading?: Promise<void> }>();
  /** Events that came while seeding, applied once the seed knows which it already holds. */
  private buffer: Array<DomainEvent> | null = [];
  private readonly frames = new Map<string, { second: number; version: number; json: string }>();
  /** Counts changes, so a cached frame knows it is out of date. */
  private version = 0;
  private unsubscribe?: () => void;
  private pending?: NodeJS.Timeout;
  private tick?: NodeJS.Timeout;
  private ready?: Promise<void>;
  private refreshing?: Promise<void>;
  private configListener?: WakeListener;

  constructor(private readonly deps: WallboardDeps) {}

  /** Subscribes first and seeds second: events in between are applied once. */
  start(): Promise<void> {
    if (this.ready) return this.ready;
    this.unsubscribe = this.deps.bus.subscribe((e) => this.apply(e));
    // Day rollover, pruning and mending from the live state need a periodic pass.
    this.tick = setInterval(() => {
      pruneWallboard(this.state, this.now());
      void this.refresh().finally(() => this.changed());
    }, this.deps.refreshMs ?? REFRESH_MS);
    this.tick.unref();
    if (this.deps.notifyUrl) {
      // Also woken at every (re)connect: a change made while the connection was down is read then.
      this.configListener = new WakeListener({ url: this.deps.notifyUrl, channel: CONFIG_CHANNEL, onWake: () => void this.definitionsChanged(), log: this.deps.log });
      this.configListener.start();
    }
    this.ready = this.seed()
      .catch((err) => this.deps.log.warn({ err }, 'wallboard could not read its starting state; starting from live events'))
      .finally(() => {
        const held = this.buffer ?? [];
        this.buffer = null;
        for (const e of held) applyEvent(this.state, e as never);
        this.changed();
      });
    return this.ready;
  }

  view(options: WallboardOptions): WallboardView {
    return wallboardView(this.state, this.directory, this.pastDay(options.timeZone), this.now(), options);
  }

  /**
   * A screen's frame as JSON. Screens with the same settings share one per change and
   * second, so a room full of them costs one view.
   */
  frame(options: WallboardOptions): string {
    const key = JSON.stringify(options);
    const second = Math.floor(this.now() / 1000);
    const hit = this.frames.get(key);
    if (hit && hit.second === second && hit.version === this.version) return hit.json;
    const json = JSON.stringify(this.view(options));
    if (this.frames.size > 100) this.frames.clear();
    this.frames.set(key, { second, version: this.version, json });
    return json;
  }

  /** Loads what a view needs before its first frame. */
  async prepare(options: WallboardOptions): Promise<void> {
    await this.ready;
    // A screen opened right after a queue or agent was defined shows it by name at once;
    // screens opening together share one read.
    await this.refresh();
    // And last week as the rollups hold it now (they may have caught up since the last read).
    this.pastDay(options.timeZone, 0);
    await this.pastDays.get(this.dayKey(options.timeZone))?.loading;
  }

  /**
   * Thresholds or definitions changed (here, or on another instance: Postgres says so):
   * read them again now, not at the next pass. A read already under way may have started
   * before the change was committed, so this one waits for it and reads afresh.
   */
  async definitionsChanged(): Promise<void> {
    await this.refreshing;
    await this.refresh();
    this.changed();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.tick);
    clearTimeout(this.pending);
    this.listeners.clear();
    await this.configListener?.stop();
  }

  private async seed(): Promise<void> {
    const { db } = this.deps;
    const { position, rows } = await readRecentQuarters(db, this.now() - KEEP_MS);
    for (const r of rows) addQuarter(this.state, r.subject, r.bucket, r.sums);
    const pages = eventsAfter(db, position, WALLBOARD_TYPES, SEED_PAGE, SEED_MAX_PAGES);
    for (;;) {
      const next = await pages.next();
      if (next.done) {
        if (!next.value) this.deps.log.warn({ position }, 'the KPI rollups are far behind the journal; the wallboard starts short of some of today');
        break;
      }
      for (const e of next.value) applyEvent(this.state, e);
    }
    // Held events the rollups already counted must not count twice.
    const held = this.buffer ?? [];
    const counted = await placedBy(db, held.map((e) => e.id).filter((id) => UUID.test(id)), position);
    this.buffer = held.filter((e) => !counted.has(e.id));
    await this.refresh();
  }

  /** Directory and, when there is one, the ACD's live state; one read at a time. */
  private refresh(): Promise<void> {
    this.refreshing ??= this.read().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async read(): Promise<void> {
    try {
      this.directory = await readDirectory(this.deps.db);
      const live = this.deps.live;
      if (!live) return;
      const [agents, waiting] = await Promise.all([live.agents.getMany([...this.directory.agents.keys()]), live.queues.all()]);
      for (const [id, a] of agents) this.state.agents.set(id, { state: a.state, since: a.sinceMs, reason: a.reason });
      this.state.waiting = new Map(waiting.map((w) => [w.callId, { queueId: w.queueId, since: w.enteredMs }]));
    } catch (err) {
      this.deps.log.warn({ err }, 'wallboard could not read the definitions or the live ACD state');
    }
  }

  private dayKey(timeZone: string): string {
    return `${timeZone}|${localTime(new Date(this.now()), timeZone).date}`;
  }

  private pastDay(timeZone: string, maxAgeMs = PAST_DAY_MS): DaySlots {
    const key = this.dayKey(timeZone);
    const entry = this.pastDays.get(key);
    if (entry && (entry.loading || this.now() - entry.at < maxAgeMs)) return entry.slots;
    const date = addDays(key.slice(timeZone.length + 1), -7);
    const from = localMidnight(date, timeZone);
    const slot: { slots: DaySlots; at: number; loading?: Promise<void> } = { slots: entry?.slots ?? new Map(), at: this.now() };
    slot.loading = readDay(this.deps.db, from, localMidnight(addDays(date, 1), timeZone))
      .then((slots) => {
        slot.slots = slots;
        slot.at = this.now();
        this.changed();
      })
      .catch((err: unknown) => {
        this.deps.log.warn({ err }, 'wallboard could not read last week');
        slot.at = this.now() - PAST_DAY_MS + 30_000; // try again in half a minute
      })
      .finally(() => (slot.loading = undefined));
    // Yesterday's keys are of no further use.
    for (const k of this.pastDays.keys()) if (k.startsWith(`${timeZone}|`) && k !== key) this.pastDays.delete(k);
    this.pastDays.set(key, slot);
    return slot.slots;
  }

  private apply(e: DomainEvent): void {
    if (!WALLBOARD_TYPES.includes(e.type)) return;
    if (this.buffer) {
      if (this.buffer.length < BUFFER_MAX) this.buffer.push(e);
      return;
    }
    if (applyEvent(this.state, e as unknown as JournalEvent & { id: string })) this.changed();
  }

  /** Screens get at most one update per coalescing window, however busy the centre. */
  private changed(): void {
    this.version++;
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
