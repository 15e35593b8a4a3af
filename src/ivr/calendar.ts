// Business hours evaluated in the calendar's own time zone with Intl (no dependency):
// the wall clock is read from the instant, so DST changes need no special handling.
import { localTime } from '../local-time.js';
import type { BusinessCalendar } from './contract.js';

const INTERVAL = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** [start, end) in minutes, or undefined when the text is not a forward "HH:MM-HH:MM" interval. */
export function parseInterval(text: string): [number, number] | undefined {
  const m = INTERVAL.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (end > 24 * 60 || end <= start) return undefined;
  return [start, end];
}

export function isOpen(calendar: BusinessCalendar, now: Date): boolean {
  const local = localTime(now, calendar.timeZone);
  if (calendar.holidays?.includes(local.date)) return false;
  const day = String(local.weekday) as keyof BusinessCalendar['weekly'];
  for (const text of calendar.weekly[day] ?? []) {
    const iv = parseInterval(text);
    if (iv && local.minuteOfDay >= iv[0] && local.minuteOfDay < iv[1]) return true;
  }
  return false;
}
