// ARI writes times as `2026-11-22T21:51:57.430+0000`: an offset without a colon, which
// strict RFC 3339 parsers (and Date.parse on some engines) reject. This parser accepts
// that form plus the RFC 3339 ones (`Z`, `+00:00`), with any number of fraction digits.

const ARI_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)$/;

export class AriTimestampError extends RangeError {
  override name = 'AriTimestampError';
}

/** Milliseconds since the epoch, or undefined when the text is not an ARI timestamp. */
export function tryParseAriTimestamp(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = ARI_TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as [string, ...string[]];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // 60 would be a leap second: Asterisk never writes one, and Date cannot hold one.
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  const offsetMinutes = parseOffset(zone as string);
  if (offsetMinutes === undefined) return undefined;
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 onto 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offsetMinutes * 60_000;
}

/** Parse an ARI timestamp; throws AriTimestampError naming the bad text. */
export function parseAriTimestamp(text: string): Date {
  const ms = tryParseAriTimestamp(text);
  if (ms === undefined) throw new AriTimestampError(`not an ARI timestamp: ${JSON.stringify(String(text).slice(0, 64))}`);
  return new Date(ms);
}

function parseOffset(zone: string): number | undefined {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
