// Report intervals in the centre's time zone: 15/30/60 minutes, day, month. Spans (time in
// a state, on hold) are split across the intervals they overlap.
import { addDays, localMidnight, localTime, zoneOffsetMs } from '../local-time.js';

export type Granularity = '15m' | '30m' | '60m' | 'day' | 'month';

export interface Bucket {
  /** Local label: `2026-11-30T10:15`, `2026-11-30` or `2026-11`. */
  key: string;
  start: number;
  end: number;
}

const MINUTES: Partial<Record<Granularity, number>> = { '15m': 15, '30m': 30, '60m': 60 };

export function bucketOf(at: number, g: Granularity, timeZone: string): Bucket {
  const minutes = MINUTES[g];
  if (minutes) {
    // Every zone's offset is a multiple of 15 minutes; for 30/60-minute intervals in zones
    // offset by a quarter or half hour, buckets follow the local clock all the same.
    const size = minutes * 60_000;
    const offset = zoneOffsetMs(at, timeZone);
    const startLocal = Math.floor((at + offset) / size) * size;
    const key = new Date(startLocal).toISOString().slice(0, 16);
    return { key, start: startLocal - offset, end: startLocal - offset + size };
  }
  const local = localTime(new Date(at), timeZone);
  if (g === 'day') {
    const start = localMidnight(local.date, timeZone);
    return { key: local.date, start, end: localMidnight(addDays(local.date, 1), timeZone) };
  }
  const month = local.date.slice(0, 7);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { key: month, start: localMidnight(`${month}-01`, timeZone), end: localMidnight(`${next}-01`, timeZone) };
}

/** [start, end) cut into (bucket, overlap ms) pieces, clipped to [from, to). */
export function splitSpan(start: number, end: number, from: number, to: number, g: Granularity, timeZone: string): Array<[Bucket, number]> {
  const out: Array<[Bucket, number]> = [];
  let t = Math.max(start, from);
  const stop = Math.min(end, to);
  while (t < stop) {
    const b = bucketOf(t, g, timeZone);
    const pieceEnd = Math.min(b.end, stop);
    out.push([b, pieceEnd - t]);
    t = pieceEnd;
  }
  return out;
}
