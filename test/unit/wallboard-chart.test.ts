import { describe, expect, it } from 'vitest';
import { chartGeometry, niceScale, slotRange, type ChartInput, type Slot } from '../../src/wallboard/chart.js';

const slot = (offered: number, answered = offered, abandoned = 0, serviceLevel: number | null = 1): Slot => ({ offered, answered, abandoned, serviceLevel });
const input = (over: Partial<ChartInput> = {}): ChartInput => ({ today: [], lastWeek: [], nowSlot: 40, slotsInDay: 96, target: 0.8, ...over });

describe('intraday chart scaling', () => {
  it('rounds the scale up to 1, 2 or 5 times a power of ten', () => {
    expect(niceScale(0)).toEqual({ top: 1, step: 1 });
    expect(niceScale(7)).toEqual({ top: 8, step: 2 });
    expect(niceScale(37)).toEqual({ top: 40, step: 10 });
    expect(niceScale(180)).toEqual({ top: 200, step: 50 });
  });

  it('shows the working day, widened in whole hours to calls today, last week and now', () => {
    expect(slotRange(input())).toEqual([32, 72]);
    const today: Array<Slot | undefined> = [];
    today[27] = slot(1); // 06:45
    const lastWeek: Array<Slot | undefined> = [];
    lastWeek[85] = slot(2); // 21:15
    expect(slotRange(input({ today, lastWeek }))).toEqual([24, 88]);
    expect(slotRange(input({ nowSlot: 95 }))).toEqual([32, 96]);
  });

  it('puts bars, last week and the service level on one scale inside the plot', () => {
    const today: Array<Slot | undefined> = [];
    today[36] = slot(10, 6, 2, 0.5);
    today[37] = slot(20, 20, 0, 1);
    const lastWeek: Array<Slot | undefined> = [];
    lastWeek[36] = slot(15);
    const g = chartGeometry(input({ today, lastWeek, nowSlot: 37 }));
    expect(g.yMax).toBe(20);
    expect(g.bars).toHaveLength(2);
    const [first, second] = g.bars;
    const plotH = g.plot.bottom - g.plot.top;
    expect(second!.offered.h).toBeCloseTo(plotH, 0); // 20 of 20
    expect(first!.offered.h).toBeCloseTo(plotH / 2, 0);
    expect(first!.answered.y + first!.answered.h).toBeCloseTo(g.plot.bottom, 0);
    expect(first!.abandoned.y + first!.abandoned.h).toBeCloseTo(first!.answered.y, 0); // stacked on the answered
    expect(second!.x).toBeGreaterThan(first!.x);
    for (const b of g.bars) expect(b.x + b.w).toBeLessThanOrEqual(g.plot.right);
    expect(g.lastWeek.startsWith(`M${g.plot.left} ${g.plot.bottom}`)).toBe(true);
    // service level: 50 % then 100 % (the top of the plot), one connected line
    expect(g.serviceLevel).toMatch(/^M[\d.]+ [\d.]+ L[\d.]+ 16$/);
    expect(g.targetY).toBeCloseTo(g.plot.bottom - 0.8 * plotH, 0);
    expect(g.totals).toEqual({ offered: 30, lastWeekOffered: 15 });
    expect(g.xTicks[0]).toEqual({ x: g.plot.left, label: '08:00' });
  });

  it('leaves a gap in the service-level line where no call counted', () => {
    const today: Array<Slot | undefined> = [];
    today[34] = slot(1);
    today[35] = slot(0, 0, 0, null);
    today[36] = slot(1);
    expect(chartGeometry(input({ today })).serviceLevel.match(/M/g)).toHaveLength(2);
    expect(chartGeometry(input({ target: null })).targetY).toBeNull();
  });
});
