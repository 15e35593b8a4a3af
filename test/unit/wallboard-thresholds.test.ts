import { describe, expect, it } from 'vitest';
import { defaultThresholds, effectiveThresholds, levelOf, thresholdProblem } from '../../src/wallboard/thresholds.js';

const sl = { percent: 80, seconds: 20 };

describe('wallboard thresholds', () => {
  it('reaches warning and alarm at their values, upwards or downwards by figure', () => {
    const t = defaultThresholds(sl);
    expect([2, 3, 5, 6, 9].map((v) => levelOf('waiting', v, t.waiting))).toEqual(['ok', 'warning', 'warning', 'alarm', 'alarm']);
    expect([19, 20, 59, 60].map((v) => levelOf('longestWait', v, t.longestWait))).toEqual(['ok', 'warning', 'warning', 'alarm']);
    expect([95, 80, 75, 70, 0].map((v) => levelOf('serviceLevel', v, t.serviceLevel))).toEqual(['ok', 'warning', 'warning', 'alarm', 'alarm']);
    expect(levelOf('serviceLevel', null, t.serviceLevel)).toBe('none');
    expect(levelOf('aht', 9999, t.aht)).toBe('ok'); // off until set
    expect(levelOf('ready', 0, t.ready)).toBe('warning');
  });

  it('lays overrides over the defaults figure by figure; null switches a level off', () => {
    const t = effectiveThresholds(sl, { waiting: { alarm: 10 }, ready: { warning: null }, aht: { warning: 300, alarm: 600 } });
    expect(t.waiting).toEqual({ warning: 3, alarm: 10 });
    expect(t.ready).toEqual({ warning: null, alarm: null });
    expect(levelOf('aht', 450, t.aht)).toBe('warning');
    expect(effectiveThresholds({ percent: 90, seconds: 10 }, null).asa).toEqual({ warning: 10, alarm: 20 });
  });

  it('refuses an alarm before its warning, percentages over 100 and fractional counts', () => {
    expect(thresholdProblem({ waiting: { warning: 5, alarm: 4 } }, sl)).toMatch(/waiting.*alarm \(4\).*warning \(5\).*higher/);
    expect(thresholdProblem({ serviceLevel: { warning: 70, alarm: 75 } }, sl)).toMatch(/lower/);
    expect(thresholdProblem({ serviceLevel: { warning: 120 } }, sl)).toMatch(/over 100/);
    expect(thresholdProblem({ waiting: { warning: 2.5 } }, sl)).toMatch(/whole number/);
    // against the defaults too: an alarm of 2 waiting under the default warning of 3
    expect(thresholdProblem({ waiting: { alarm: 2 } }, sl)).toMatch(/waiting/);
    expect(thresholdProblem({ waiting: { warning: 1, alarm: 2 }, asa: { warning: 15.5, alarm: null } }, sl)).toBeNull();
  });
});
