// Warning and alarm thresholds of a queue's wallboard figures. Pure: which way each figure
// goes bad, the defaults (derived from the queue's service-level target), what a
// supervisor may set, and the level a value reaches. The board shows the level by colour
// and by a mark and a word, so nobody has to tell red from green.

export const METRICS = [
  'waiting', 'longestWait', 'ready', 'onCall', 'wrapUp', 'notReady',
  'offered', 'answered', 'abandoned', 'serviceLevel', 'asa', 'aht',
] as const;
export type Metric = (typeof METRICS)[number];

/** `above`: bad when the value reaches the threshold; `below`: bad when it falls to it. */
export type Direction = 'above' | 'below';

export const DIRECTION: Record<Metric, Direction> = {
  waiting: 'above', longestWait: 'above', ready: 'below', onCall: 'above', wrapUp: 'above', notReady: 'above',
  offered: 'above', answered: 'below', abandoned: 'above', serviceLevel: 'below', asa: 'above', aht: 'above',
};

/** Unit of each figure: service level in percent, times in seconds, the rest counts. */
export const UNIT: Record<Metric, 'count' | 'seconds' | 'percent'> = {
  waiting: 'count', longestWait: 'seconds', ready: 'count', onCall: 'count', wrapUp: 'count', notReady: 'count',
  offered: 'count', answered: 'count', abandoned: 'count', serviceLevel: 'percent', asa: 'seconds', aht: 'seconds',
};

export interface Threshold {
  warning: number | null;
  alarm: number | null;
}
export type Thresholds = Record<Metric, Threshold>;
export type ThresholdOverrides = Partial<Record<Metric, Partial<Threshold>>>;

export type Level = 'ok' | 'warning' | 'alarm' | 'none';

/** A queue's service-level target: `percent` of calls answered within `seconds`. */
export interface ServiceLevelTarget {
  percent: number;
  seconds: number;
}

const off: Threshold = { warning: null, alarm: null };

/**
 * What a board shows before a supervisor sets anything: waits judged against the queue's
 * own target, its service level against that target (alarm ten points under it), nobody
 * ready as a warning. Volumes and head counts depend on the centre: off until set.
 */
export function defaultThresholds(sl: ServiceLevelTarget): Thresholds {
  return {
    waiting: { warning: 3, alarm: 6 },
    longestWait: { warning: sl.seconds, alarm: sl.seconds * 3 },
    ready: { warning: 0, alarm: null },
    onCall: off, wrapUp: off, notReady: off, offered: off, answered: off,
    abandoned: { warning: 5, alarm: 15 },
    serviceLevel: { warning: sl.percent, alarm: Math.max(0, sl.percent - 10) },
    asa: { warning: sl.seconds, alarm: sl.seconds * 2 },
    aht: off,
  };
}

/** The defaults with a supervisor's overrides laid over them, figure by figure. */
export function effectiveThresholds(sl: ServiceLevelTarget, overrides: ThresholdOverrides | null | undefined): Thresholds {
  const t = defaultThresholds(sl);
  for (const m of METRICS) {
    const o = overrides?.[m];
    if (o) t[m] = { warning: o.warning !== undefined ? o.warning : t[m].warning, alarm: o.alarm !== undefined ? o.alarm : t[m].alarm };
  }
  return t;
}

/** The level a value reaches; `none` when there is no value yet (no calls today). */
export function levelOf(metric: Metric, value: number | null, t: Threshold): Level {
  if (value === null || !Number.isFinite(value)) return 'none';
  const reached = DIRECTION[metric] === 'above' ? (x: number) => value >= x : (x: number) => value <= x;
  if (t.alarm !== null && reached(t.alarm)) return 'alarm';
  if (t.warning !== null && reached(t.warning)) return 'warning';
  return 'ok';
}

/** Why overrides make no sense (alarm before warning, a percentage over 100), or null. */
export function thresholdProblem(overrides: ThresholdOverrides, sl: ServiceLevelTarget): string | null {
  const t = effectiveThresholds(sl, overrides);
  for (const m of METRICS) {
    const { warning, alarm } = t[m];
    for (const [name, v] of [['warning', warning], ['alarm', alarm]] as const) {
      if (v === null) continue;
      if (UNIT[m] === 'percent' && v > 100) return `${m}.${name} is ${v}, over 100 %`;
      if (UNIT[m] === 'count' && !Number.isInteger(v)) return `${m}.${name} is ${v}; ${m} is a count, give a whole number`;
    }
    if (warning === null || alarm === null) continue;
    if (DIRECTION[m] === 'above' && alarm < warning)
      return `${m}: the alarm (${alarm}) must not come before the warning (${warning}); ${m} is worse the higher it is`;
    if (DIRECTION[m] === 'below' && alarm > warning)
      return `${m}: the alarm (${alarm}) must not come before the warning (${warning}); ${m} is worse the lower it is`;
  }
  return null;
}
