// A 24-hour forecast per half hour from history: the mean of the same weekday over the
// last weeks (call volumes follow the week), or of every past day when no such weekday
// is in the history. Each slot is then staffed by Erlang C (and A).
import { addDays, weekdayOf } from '../local-time.js';
import { staffing, type StaffingModelResult } from './staffing.js';

export const SLOTS_PER_DAY = 48;

export interface HistoryDay {
  date: string;
  /** Offered calls per local half hour, 48 entries. */
  slots: number[];
}

export interface ForecastInput {
  date: string;
  /** Every day of the look-back, including days without calls. */
  history: HistoryDay[];
  ahtSeconds: number;
  serviceLevel: number;
  targetSeconds: number;
  shrinkage?: number;
  patienceSeconds?: number;
  maxOccupancy?: number;
}

export interface ForecastSlot {
  start: string; // HH:MM local
  calls: number;
  erlangC: StaffingModelResult | null;
  erlangA?: StaffingModelResult | null;
}

export interface Forecast {
  date: string;
  basis: 'same-weekday' | 'all-days';
  daysUsed: string[];
  slots: ForecastSlot[];
}

/** The look-back dates before `date`, oldest first. */
export function lookbackDates(date: string, days: number): string[] {
  return Array.from({ length: days }, (_, i) => addDays(date, i - days));
}

export function forecastVolumes(date: string, history: HistoryDay[]): { basis: Forecast['basis']; daysUsed: string[]; calls: number[] } {
  const weekday = weekdayOf(date);
  const same = history.filter((d) => weekdayOf(d.date) === weekday);
  const used = same.length > 0 ? same : history;
  const calls = Array.from({ length: SLOTS_PER_DAY }, (_, s) =>
    used.length === 0 ? 0 : used.reduce((sum, d) => sum + (d.slots[s] ?? 0), 0) / used.length,
  );
  return { basis: same.length > 0 ? 'same-weekday' : 'all-days', daysUsed: used.map((d) => d.date), calls };
}

export function forecast(input: ForecastInput): Forecast {
  const { basis, daysUsed, calls } = forecastVolumes(input.date, input.history);
  const slots = calls.map((c, s): ForecastSlot => {
    const start = `${String(Math.floor(s / 2)).padStart(2, '0')}:${s % 2 ? '30' : '00'}`;
    const expected = Math.round(c * 100) / 100;
    if (expected === 0) return { start, calls: 0, erlangC: null, ...(input.patienceSeconds ? { erlangA: null } : {}) };
    const r = staffing({
      calls: expected,
      intervalMinutes: 30,
      ahtSeconds: input.ahtSeconds,
      serviceLevel: input.serviceLevel,
      targetSeconds: input.targetSeconds,
      shrinkage: input.shrinkage,
      patienceSeconds: input.patienceSeconds,
      maxOccupancy: input.maxOccupancy,
    });
    return { start, calls: expected, erlangC: r.erlangC, ...(r.erlangA ? { erlangA: r.erlangA } : {}) };
  });
  return { date: input.date, basis, daysUsed, slots };
}
