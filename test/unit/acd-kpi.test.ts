import { describe, expect, it } from 'vitest';
import { averageSpeedOfAnswer, expectedWaitSeconds, serviceLevelPercent, type DayCounts } from '../../src/acd/kpi.js';
import { completeQueue } from '../../src/acd/definitions.js';

const day = (over: Partial<DayCounts>): DayCounts => ({
  offered: 0, answered: 0, answeredWithinTarget: 0, abandoned: 0, shortAbandoned: 0, overflowed: 0, totalAnswerWaitMs: 0, ...over,
});

describe('queue KPIs', () => {
  it('service level leaves short abandons out of the base', () => {
    expect(serviceLevelPercent(day({ offered: 10, answeredWithinTarget: 8, shortAbandoned: 0 }))).toBe(80);
    expect(serviceLevelPercent(day({ offered: 10, answeredWithinTarget: 8, shortAbandoned: 2 }))).toBe(100);
    expect(serviceLevelPercent(day({ offered: 3, answeredWithinTarget: 1, shortAbandoned: 0 }))).toBe(33.3);
    expect(serviceLevelPercent(day({ offered: 2, shortAbandoned: 2 }))).toBeNull();
  });

  it('average speed of answer over answered calls only', () => {
    expect(averageSpeedOfAnswer(day({ answered: 4, totalAnswerWaitMs: 10_000 }))).toBe(2.5);
    expect(averageSpeedOfAnswer(day({ answered: 0, abandoned: 3 }))).toBeNull();
  });

  it('expected wait: zero with a free agent, shared among staff otherwise, unknown with nobody', () => {
    expect(expectedWaitSeconds(1, 1, 0)).toBe(0);
    expect(expectedWaitSeconds(3, 1, 1, 100)).toBe(100);
    expect(expectedWaitSeconds(5, 0, 2, 100)).toBe(300);
    expect(expectedWaitSeconds(1, 0, 0)).toBeNull();
  });

  it('completes a queue with defaults and orders widening steps', () => {
    const q = completeQueue({ id: 'q', name: 'Q', wideningSteps: [{ afterSeconds: 60, lowerBy: 2 }, { afterSeconds: 20, lowerBy: 1 }] });
    expect(q).toMatchObject({ strategy: 'longest_idle', agingSecondsPerLevel: 60, shortAbandonSeconds: 5, overflow: null });
    expect(q.wideningSteps.map((s) => s.afterSeconds)).toEqual([20, 60]);
  });
});
