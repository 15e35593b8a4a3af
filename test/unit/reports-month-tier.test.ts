// The month tier answers the whole months of a range and the days the rest: together they
// must cover every local date of the range exactly once, whatever the month lengths.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/local-time.js';
import { wholeMonths } from '../../src/reports/rollup-day.js';

const dateArb = fc.integer({ min: 0, max: 3000 }).map((n) => addDays('2023-12-01', n));

describe('the whole months of a range', () => {
  it('and the days outside them cover each date of the range once; the months are whole', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: 1, max: 800 }), (from, length) => {
        const to = addDays(from, length);
        const { first, end } = wholeMonths(from, to);
        expect(first <= end).toBe(true);
        if (first < end) {
          expect(first.endsWith('-01') && end.endsWith('-01')).toBe(true);
          expect(from <= first && end <= to).toBe(true);
        }
        const seen: string[] = [];
        for (let d = first; d < end; d = addDays(d, 1)) seen.push(d);
        for (let d = from; d < to; d = addDays(d, 1)) if (d < first || d >= end) seen.push(d);
        seen.sort();
        const all: string[] = [];
        for (let d = from; d < to; d = addDays(d, 1)) all.push(d);
        expect(seen).toEqual(all);
        // Every whole month of the range is in [first, end): none is left to the days.
        const nextFirst = from.endsWith('-01') ? from : `${addDays(`${from.slice(0, 7)}-28`, 4).slice(0, 7)}-01`;
        if (first === end) expect(nextFirst >= `${to.slice(0, 7)}-01`).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('cuts February of a leap year and December into January as the calendar does', () => {
    expect(wholeMonths('2024-01-15', '2024-04-10')).toEqual({ first: '2024-02-01', end: '2024-04-01' });
    expect(wholeMonths('2024-02-01', '2024-03-01')).toEqual({ first: '2024-02-01', end: '2024-03-01' });
    expect(wholeMonths('2025-12-07', '2026-12-07')).toEqual({ first: '2026-01-01', end: '2026-12-01' });
    expect(wholeMonths('2026-03-02', '2026-03-30')).toEqual({ first: '2026-03-30', end: '2026-03-30' });
    expect(wholeMonths('2026-01-31', '2026-03-01')).toEqual({ first: '2026-02-01', end: '2026-03-01' });
  });
});
