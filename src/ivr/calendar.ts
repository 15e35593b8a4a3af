// Business hours evaluated in the calendar's own time zone with Intl (no dependency):
// the wall clock is read from the instant, so DST changes need no special handling.
import type { BusinessCalendar } from './contract.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

export interface LocalTime {
  date: string; // YYYY-MM-DD
  weekday: number; // 0 = Sunday
  minutes: number; // since local midnight
}

export function localTime(now: Date, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(now)) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
    minutes: (Number(parts.hour) % 24) * 60 + Number(parts.minute),
  };
}

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

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function isOpen(calendar: BusinessCalendar, now: Date): boolean {
  const local = localTime(now, calendar.timeZone);
  if (calendar.holidays?.includes(local.date)) return false;
  const day = String(local.weekday) as keyof BusinessCalendar['weekly'];
  for (const text of calendar.weekly[day] ?? []) {
    const iv = parseInterval(text);
    if (iv && local.minutes >= iv[0] && local.minutes < iv[1]) return true;
  }
  return false;
}
