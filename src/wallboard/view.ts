// One screen's frame: the state, the directory (names, targets, thresholds) and last
// week's quarter hours turned into queue figures with their levels, ordered agent tiles
// and the intraday chart. Pure; the figures are the reports' own (queueKpi on the same sums).
import { qualifies } from '../acd/priority.js';
import type { Skills } from '../acd/model.js';
import { addDays, localMidnight, localTime } from '../local-time.js';
import { emptySums, QUARTER_MS, type RollupSums } from '../reports/rollup-fold.js';
import { answerRow, queueKpi } from '../reports/rollup-query.js';
import { chartGeometry, HEIGHT, WIDTH, type ChartGeometry, type ChartSize, type Slot } from './chart.js';
import { addSums, type WallboardOptions, type WallboardState } from './state.js';
import { effectiveThresholds, levelOf, METRICS, type Level, type Metric, type ServiceLevelTarget, type Threshold, type ThresholdOverrides } from './thresholds.js';
import { orderTiles, type AgentTile } from './tiles.js';

export interface DirectoryQueue {
  name: string;
  serviceLevel: ServiceLevelTarget;
  /** The widest skills the queue ever asks for: who can serve it. */
  skills: Skills;
  thresholds: ThresholdOverrides | null;
}

/** Names, targets and thresholds, read from the definitions now and then. */
export interface Directory {
  queues: Map<string, DirectoryQueue>;
  agents: Map<string, { name: string; skills: Skills }>;
}

/** A queue's quarter hours of one past day, by index from that day's local midnight. */
export type DaySlots = Map<string, Map<number, RollupSums>>;

export interface Figure {
  metric: Metric;
  value: number | null;
  level: Level;
  threshold: Threshold;
}

export interface QueueView {
  id: string;
  name: string;
  target: ServiceLevelTarget;
  waiting: number;
  /** Epoch ms the longest-waiting caller joined, null when nobody waits. */
  longestWaitSince: number | null;
  longestWaitSeconds: number;
  offeredToday: number;
  answeredToday: number;
  abandonedToday: number;
  serviceLevelToday: number | null;
  meetsTarget: boolean | null;
  figures: Figure[];
  /** The worst level among its figures, to order and mark the queue. */
  level: Level;
}

export interface WallboardView {
  at: string;
  timeZone: string;
  serviceLevelSeconds: number;
  serviceLevelTarget: number;
  queues: QueueView[];
  agentsByState: Record<string, number>;
  agents: AgentTile[];
  /** One chart for the centre (or the only queue), or one per queue when the board shows a few. */
  charts: Array<ChartGeometry & { title: string; queueId: string | null }>;
}

const KPI_OPTIONS = { fcrHours: 24, dissatisfiedAtOrBelow: 2 };
const kpi = (sums: RollupSums, id: string, seconds: number) =>
  queueKpi(answerRow(sums, '', id, 0, { ...KPI_OPTIONS, serviceLevelSeconds: seconds }));

/** Up to this many queues, each gets its own chart; more share the centre's. */
export const MAX_QUEUE_CHARTS = 3;
/** Narrower view boxes for charts side by side: their text stays as large on the screen. */
const CENTRE_CHART_SIZE: ChartSize = { width: WIDTH, height: HEIGHT };
const QUEUE_CHART_SIZE: Record<number, ChartSize> = { 2: { width: 800, height: 440 }, 3: { width: 600, height: 500 } };

interface Series {
  today: Array<{ sums: RollupSums; within: number; denominator: number } | undefined>;
  week: Array<Slot | undefined>;
}
const emptySeries = (): Series => ({ today: [], week: [] });
const slotsOf = (series: Series): Array<Slot | undefined> =>
  series.today.map((c) => c && { offered: c.sums.offered, answered: c.sums.answered, abandoned: c.sums.abandoned, serviceLevel: c.denominator > 0 ? c.within / c.denominator : null });

const LEVEL_RANK: Record<Level, number> = { none: 0, ok: 1, warning: 2, alarm: 3 };
const BUSY = new Set(['on_call', 'reserved']);

export function wallboardView(s: WallboardState, dir: Directory, lastWeek: DaySlots, now: number, o: WallboardOptions): WallboardView {
  const today = localTime(new Date(now), o.timeZone).date;
  const midnight = localMidnight(today, o.timeZone);
  const fallback: ServiceLevelTarget = { percent: Math.round(o.serviceLevelTarget * 100), seconds: o.serviceLevelSeconds };
  const wanted = (id: string) => !o.queues || o.queues.includes(id);
  const waiting = [...s.waiting.values()];
  const ids = new Set([...dir.queues.keys(), ...s.quarters.keys(), ...waiting.map((w) => w.queueId)]);
  const queueIds = [...ids].filter(wanted);

  // Agents: the floor, or those who can serve the link's queues.
  const serves = (agentId: string, queueId: string) => {
    const q = dir.queues.get(queueId);
    const a = dir.agents.get(agentId);
    return q !== undefined && a !== undefined && qualifies(a.skills, q.skills);
  };
  const tiles: AgentTile[] = [];
  for (const [id, a] of s.agents) {
    if (a.state === 'logged_out') continue;
    if (o.queues && !queueIds.some((q) => serves(id, q))) continue;
    tiles.push({ id, name: dir.agents.get(id)?.name ?? id, state: a.state, reason: a.reason, since: a.since });
  }
  const agentsByState: Record<string, number> = { ready: 0, reserved: 0, on_call: 0, wrap_up: 0, not_ready: 0 };
  for (const t of tiles) agentsByState[t.state] = (agentsByState[t.state] ?? 0) + 1;

  const slotsInDay = Math.round((localMidnight(addDays(today, 1), o.timeZone) - midnight) / QUARTER_MS);
  // The centre's quarter hours, and each queue's own for boards that chart queue by queue.
  const centre = emptySeries();
  const own = new Map<string, Series>();
  const addSlot = (slot: number, id: string, sums: RollupSums, seconds: number) => {
    const k = kpi(sums, id, seconds);
    for (const series of [centre, own.get(id)!]) {
      const c = (series.today[slot] ??= { sums: emptySums(), within: 0, denominator: 0 });
      addSums(c.sums, sums);
      c.within += k.answeredWithinTarget;
      c.denominator += k.offered - k.shortAbandoned;
    }
  };

  const queues = queueIds.map((id): QueueView => {
    const def = dir.queues.get(id);
    const target = def?.serviceLevel ?? fallback;
    const day = emptySums();
    own.set(id, emptySeries());
    for (const [bucket, sums] of s.quarters.get(id) ?? []) {
      if (bucket < midnight || bucket > now) continue;
      addSums(day, sums);
      addSlot(Math.floor((bucket - midnight) / QUARTER_MS), id, sums, target.seconds);
    }
    for (const [slot, sums] of lastWeek.get(id) ?? []) {
      for (const series of [centre, own.get(id)!]) {
        const w = (series.week[slot] ??= { offered: 0, answered: 0, abandoned: 0, serviceLevel: null });
        w.offered += sums.offered;
        w.answered += sums.answered;
        w.abandoned += sums.abandoned;
      }
    }
    const k = kpi(day, id, target.seconds);
    const waits = waiting.filter((w) => w.queueId === id).map((w) => w.since);
    const longest = waits.length ? Math.min(...waits) : null;
    const longestWaitSeconds = longest === null ? 0 : Math.max(0, Math.floor((now - longest) / 1000));
    const count = (pick: (state: string) => boolean) =>
      def ? tiles.filter((t) => pick(t.state) && serves(t.id, id)).length : null;
    const values: Record<Metric, number | null> = {
      waiting: waits.length,
      longestWait: longestWaitSeconds,
      ready: count((st) => st === 'ready'),
      onCall: count((st) => BUSY.has(st)),
      wrapUp: count((st) => st === 'wrap_up'),
      notReady: count((st) => st === 'not_ready'),
      offered: k.offered,
      answered: k.answered,
      abandoned: k.abandoned,
      serviceLevel: k.serviceLevel === null ? null : Math.round(k.serviceLevel * 1000) / 10,
      asa: k.asaSeconds === null ? null : Math.round(k.asaSeconds),
      aht: k.avgHandleSeconds === null ? null : Math.round(k.avgHandleSeconds),
    };
    const thresholds = effectiveThresholds(target, def?.thresholds);
    const figures = METRICS.map((m) => ({ metric: m, value: values[m], level: levelOf(m, values[m], thresholds[m]), threshold: thresholds[m] }));
    const level = figures.reduce<Level>((worst, f) => (LEVEL_RANK[f.level] > LEVEL_RANK[worst] ? f.level : worst), 'none');
    return {
      id, name: def?.name ?? id, target,
      waiting: waits.length, longestWaitSince: longest, longestWaitSeconds,
      offeredToday: k.offered, answeredToday: k.answered, abandonedToday: k.abandoned,
      serviceLevelToday: k.serviceLevel, meetsTarget: k.serviceLevel === null ? null : k.serviceLevel * 100 >= target.percent,
      figures, level,
    };
  });
  // Alarms first, then warnings, so that paging never hides the queue that needs help.
  const urgency = (q: QueueView) => (q.level === 'alarm' ? 0 : q.level === 'warning' ? 1 : 2);
  queues.sort((a, b) => urgency(a) - urgency(b) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));

  const nowSlot = Math.min(slotsInDay - 1, Math.floor((now - midnight) / QUARTER_MS));
  const chartOf = (series: Series, targets: Set<number>, size: ChartSize) =>
    chartGeometry({ today: slotsOf(series), lastWeek: series.week, slotsInDay, nowSlot, target: targets.size === 1 ? [...targets][0]! / 100 : null }, size);
  // A few queues: each its own chart, side by side; one queue or many: the centre's.
  const perQueue = queues.length >= 2 && queues.length <= MAX_QUEUE_CHARTS;
  const charts = perQueue
    ? queues.map((q) => ({ ...chartOf(own.get(q.id)!, new Set([q.target.percent]), QUEUE_CHART_SIZE[queues.length]!), title: q.name, queueId: q.id }))
    : [{ ...chartOf(centre, new Set(queues.map((q) => q.target.percent)), CENTRE_CHART_SIZE), title: queues.length === 1 ? queues[0]!.name : 'All queues', queueId: queues.length === 1 ? queues[0]!.id : null }];
  return {
    at: new Date(now).toISOString(),
    timeZone: o.timeZone,
    serviceLevelSeconds: o.serviceLevelSeconds,
    serviceLevelTarget: o.serviceLevelTarget,
    queues,
    agentsByState,
    agents: orderTiles(tiles),
    charts,
  };
}
