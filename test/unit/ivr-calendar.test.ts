import { describe, expect, it } from 'vitest';
import { isOpen, parseInterval } from '../../src/ivr/calendar.js';
import { localTime } from '../../src/local-time.js';
import type { BusinessCalendar } from '../../src/ivr/contract.js';
import { DEMO_FLOW } from '../../src/ivr/demo-flow.js';
import { Call } from './ivr-driver.js';

const shanghai: BusinessCalendar = { timeZone: 'Asia/Shanghai', weekly: { '1': ['08:00-20:00'], '6': ['08:00-12:00', '13:00-18:00'] }, holidays: ['2026-10-05'] };
// Europe/Berlin moves its clocks on 2026-03-29 (02:00 → 03:00) and 2026-10-25 (03:00 → 02:00).
const berlin: BusinessCalendar = { timeZone: 'Europe/Berlin', weekly: { '0': ['09:00-17:00'] } };

describe('business hours', () => {
  it('opens at 08:00 and closes at 20:00 local time (UTC+8), end exclusive', () => {
    // Monday 2026-11-23 in Shanghai
    expect(isOpen(shanghai, new Date('2026-11-22T23:59:00Z'))).toBe(false); // 07:59
    expect(isOpen(shanghai, new Date('2026-11-23T00:00:00Z'))).toBe(true); // 08:00
    expect(isOpen(shanghai, new Date('2026-11-23T11:59:00Z'))).toBe(true); // 19:59
    expect(isOpen(shanghai, new Date('2026-11-23T12:00:00Z'))).toBe(false); // 20:00
  });

  it('uses the local weekday, not the UTC one', () => {
    // Sunday 2026-11-22 20:30 UTC is Monday 04:30 in Shanghai (closed); 2026-11-23 01:00 UTC is Monday 09:00
    expect(localTime(new Date('2026-11-22T20:30:00Z'), 'Asia/Shanghai')).toEqual({ date: '2026-11-23', weekday: 1, minuteOfDay: 270 });
    expect(isOpen(shanghai, new Date('2026-11-23T01:00:00Z'))).toBe(true);
  });

  it('is closed all day on a holiday (a Monday)', () => {
    expect(isOpen(shanghai, new Date('2026-10-05T04:00:00Z'))).toBe(false);
    expect(isOpen(shanghai, new Date('2026-10-12T04:00:00Z'))).toBe(true); // the next Monday
  });

  it('handles a lunch break', () => {
    expect(isOpen(shanghai, new Date('2026-11-28T04:30:00Z'))).toBe(false); // Sat 12:30
    expect(isOpen(shanghai, new Date('2026-11-28T05:00:00Z'))).toBe(true); // Sat 13:00
  });

  it('follows daylight saving time (wall clock, not a fixed offset)', () => {
    // Sunday 2026-03-29 after the switch to CEST (UTC+2): 09:00 local = 07:00 UTC
    expect(isOpen(berlin, new Date('2026-03-29T06:59:00Z'))).toBe(false);
    expect(isOpen(berlin, new Date('2026-03-29T07:00:00Z'))).toBe(true);
    // Sunday 2026-03-22 before it (CET, UTC+1): 09:00 local = 08:00 UTC
    expect(isOpen(berlin, new Date('2026-03-22T07:30:00Z'))).toBe(false);
    expect(isOpen(berlin, new Date('2026-03-22T08:00:00Z'))).toBe(true);
    // Sunday 2026-10-25, back to CET: 17:00 local = 16:00 UTC
    expect(isOpen(berlin, new Date('2026-10-25T15:59:00Z'))).toBe(true);
    expect(isOpen(berlin, new Date('2026-10-25T16:00:00Z'))).toBe(false);
  });

  it('parses intervals', () => {
    expect(parseInterval('08:00-20:00')).toEqual([480, 1200]);
    expect(parseInterval('00:00-24:00')).toEqual([0, 1440]);
    expect(parseInterval('20:00-08:00')).toBeUndefined();
    expect(parseInterval('8-20')).toBeUndefined();
    expect(parseInterval('24:30-25:00')).toBeUndefined();
  });

  it('the demo flow sends callers to voicemail out of hours and on the holiday', () => {
    const route = (iso: string) => {
      const c = new Call(DEMO_FLOW, new Date(iso));
      c.start({ caller: '13800000000' });
      c.send({ type: 'http_result', requestId: c.state?.pendingRequest as string, outcome: 'error', detail: 'down' });
      return c.state?.node;
    };
    expect(route('2026-11-23T11:59:00Z')).toBe('welcome'); // Monday 19:59
    expect(route('2026-11-23T12:00:00Z')).toBe('after-hours'); // Monday 20:00
    expect(route('2026-11-22T04:00:00Z')).toBe('after-hours'); // Sunday noon
    expect(route('2026-10-01T04:00:00Z')).toBe('after-hours'); // National Day, a Thursday
  });
});
