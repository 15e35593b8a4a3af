import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION_DAYS, partitionStart, planPartitions, retentionProblems } from '../../src/retention/rules.js';

const d = (s: string) => new Date(s);

describe('planPartitions', () => {
  it('creates daily partitions from yesterday to the horizon and drops those wholly before the cutoff', () => {
    const plan = planPartitions(
      'outbox',
      1,
      [
        { name: 'outbox_p20261201', from: d('2026-12-01T00:00:00Z'), to: d('2026-12-02T00:00:00Z'), isDefault: false },
        { name: 'outbox_p20261206', from: d('2026-12-06T00:00:00Z'), to: d('2026-12-07T00:00:00Z'), isDefault: false },
        { name: 'outbox_default', isDefault: true },
      ],
      d('2026-12-07T05:00:00Z'),
      2,
      d('2026-12-02T00:00:00Z'),
    );
    expect(plan.create.map((p) => p.name)).toEqual(['outbox_p20261207', 'outbox_p20261208', 'outbox_p20261209']);
    expect(plan.drop).toEqual(['outbox_p20261201']);
  });

  it('fills the rest of a weekly slot the legacy partition covers in part, and never drops the default', () => {
    const legacyEnd = d('2026-12-08T00:00:00Z');
    const plan = planPartitions('call_events', 7, [{ name: 'call_events_legacy', to: legacyEnd, isDefault: false }, { name: 'call_events_default', isDefault: true }], d('2026-12-07T05:00:00Z'), 7, d('2026-12-10T00:00:00Z'));
    const first = plan.create[0]!;
    expect(first.from).toEqual(legacyEnd);
    expect(first.to).toEqual(new Date(partitionStart(legacyEnd, 7).getTime() + 7 * 86_400_000));
    for (let i = 1; i < plan.create.length; i++) expect(plan.create[i]!.from).toEqual(plan.create[i - 1]!.to);
    expect(plan.create[plan.create.length - 1]!.to.getTime()).toBeGreaterThan(d('2026-12-14T05:00:00Z').getTime());
    expect(plan.drop).toEqual(['call_events_legacy']);
  });

  it('keeps everything when retention is off', () => {
    const plan = planPartitions('outbox', 1, [{ name: 'outbox_legacy', to: d('2020-01-01T00:00:00Z'), isDefault: false }], d('2026-12-07T05:00:00Z'), 1, undefined);
    expect(plan.drop).toEqual([]);
  });
});

describe('retentionProblems', () => {
  it('accepts the defaults and refuses dead letters kept longer than the journal they replay from', () => {
    expect(retentionProblems(DEFAULT_RETENTION_DAYS)).toEqual([]);
    expect(retentionProblems({ ...DEFAULT_RETENTION_DAYS, deadLetters: 0 })).toHaveLength(1);
    expect(retentionProblems({ ...DEFAULT_RETENTION_DAYS, calls: 10 })).toHaveLength(2);
    expect(retentionProblems({ ...DEFAULT_RETENTION_DAYS, kpiDays: 30 })).toEqual([expect.stringMatching(/RETENTION_KPI_DAYS_DAYS/)]);
  });
});
