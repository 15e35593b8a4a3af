import { describe, expect, it } from 'vitest';
import { UnstableQueue, erlangA, erlangB, erlangC } from '../../src/planning/erlang.js';
import { forecast, forecastVolumes, lookbackDates } from '../../src/planning/forecast.js';
import { StaffingError, staffing } from '../../src/planning/staffing.js';

describe('Erlang C', () => {
  it('reproduces the published vector: 100 calls / 30 min, AHT 180 s, 80 % in 20 s', () => {
    const r = staffing({ calls: 100, intervalMinutes: 30, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20, shrinkage: 0.3 });
    expect(r.load).toBe(10);
    expect(r.erlangC).toMatchObject({ agents: 14, scheduled: 20, serviceLevel: 0.8884, occupancy: 0.7143, waitProbability: 0.1741 });
    expect(r.erlangC.asaSeconds).toBeCloseTo(7.84, 2);
    expect(r.erlangC.meetsTarget).toBe(true);
    // one agent fewer misses the target
    expect(erlangC(13, 10, 180, 20).serviceLevel).toBeLessThan(0.8);
  });

  it('agrees with the textbook formula A^N/N! · N/(N−A) / (Σ A^k/k! + …) on small cases', () => {
    for (const [n, a] of [[2, 1], [5, 3.5], [10, 8]] as const) {
      let sum = 0;
      let term = 1;
      for (let k = 0; k < n; k++) {
        if (k > 0) term *= a / k;
        sum += term;
      }
      const top = ((term * a) / n) * (n / (n - a));
      expect(erlangC(n, a, 100, 0).waitProbability).toBeCloseTo(top / (sum + top), 12);
    }
  });

  it('stays finite at 1,000 agents', () => {
    const r = erlangC(1000, 950, 180, 20);
    expect(Number.isFinite(r.serviceLevel)).toBe(true);
    expect(r.waitProbability).toBeGreaterThan(0);
    expect(r.waitProbability).toBeLessThan(1);
    expect(erlangB(1000, 950)).toBeGreaterThan(0);
    const big = staffing({ calls: 10_000, intervalMinutes: 30, ahtSeconds: 180, serviceLevel: 0.9, targetSeconds: 15 });
    expect(big.erlangC.agents).toBeGreaterThan(1000);
    expect(big.erlangC.serviceLevel).toBeGreaterThanOrEqual(0.9);
  });

  it('refuses an unstable queue with a message instead of NaN', () => {
    expect(() => erlangC(10, 10, 180, 20)).toThrow(UnstableQueue);
    expect(() => staffing({ calls: 100, intervalMinutes: 30, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20, agents: 9 })).toThrow(
      /unstable.*10 Erlangs/,
    );
    expect(() => staffing({ calls: 100, intervalMinutes: 30, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20, maxAgents: 12 })).toThrow(
      StaffingError,
    );
  });

  it('honours an occupancy ceiling', () => {
    const r = staffing({ calls: 100, intervalMinutes: 30, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20, maxOccupancy: 0.7 });
    expect(r.erlangC.agents).toBe(15);
    expect(r.erlangC.occupancy).toBeLessThanOrEqual(0.7);
  });
});

describe('Erlang A', () => {
  it('reproduces the vector: 300 s mean patience → 13 agents, SL 0.858, abandon 0.025', () => {
    const r = staffing({
      calls: 100,
      intervalMinutes: 30,
      ahtSeconds: 180,
      serviceLevel: 0.8,
      targetSeconds: 20,
      shrinkage: 0.3,
      patienceSeconds: 300,
    });
    expect(r.erlangA!.agents).toBe(13);
    expect(r.erlangA!.serviceLevel).toBeCloseTo(0.858, 3);
    expect(r.erlangA!.abandonRate).toBeCloseTo(0.025, 3);
    expect(r.erlangA!.scheduled).toBe(19);
    expect(erlangA(12, 10, 180, 20, 300).serviceLevel).toBeLessThan(0.8);
  });

  it('tends to Erlang C as patience grows', () => {
    const c = erlangC(14, 10, 180, 20);
    const a = erlangA(14, 10, 180, 20, 1e7);
    expect(a.serviceLevel).toBeCloseTo(c.serviceLevel, 4);
    expect(a.waitProbability).toBeCloseTo(c.waitProbability, 4);
    expect(a.asaSeconds).toBeCloseTo(c.asaSeconds, 1);
    expect(a.abandonRate).toBeLessThan(1e-4);
  });

  it('abandon rate equals θ · mean queue length / λ (Little) — an independent check', () => {
    // Mean queue length straight from the birth-death chain.
    const n = 8, load = 9, aht = 120, patience = 60;
    const mu = 1 / aht, lambda = load * mu, theta = 1 / patience;
    const p = [1];
    for (let k = 1; k < 400; k++) p.push((p[k - 1]! * lambda) / (Math.min(k, n) * mu + Math.max(k - n, 0) * theta));
    const total = p.reduce((s, v) => s + v, 0);
    const lq = p.reduce((s, v, k) => s + (v / total) * Math.max(k - n, 0), 0);
    expect(erlangA(n, load, aht, 10, patience).abandonRate).toBeCloseTo((theta * lq) / lambda, 10);
  });

  it('is stable when overloaded and at 1,000 agents', () => {
    const over = erlangA(5, 10, 180, 20, 120);
    expect(Number.isFinite(over.serviceLevel)).toBe(true);
    expect(over.abandonRate).toBeGreaterThan(0.3);
    const big = erlangA(1000, 980, 180, 20, 300);
    expect(big.serviceLevel).toBeGreaterThan(0);
    expect(big.serviceLevel).toBeLessThan(1);
  });
});

describe('forecast', () => {
  const day = (date: string, perSlot: Record<number, number>) => ({
    date,
    slots: Array.from({ length: 48 }, (_, s) => perSlot[s] ?? 0),
  });

  it('averages the same weekday and staffs each half hour', () => {
    // 2026-11-30 is a Monday; 11-23 and 11-16 are Mondays, 11-24 a Tuesday.
    const history = [day('2026-11-16', { 20: 80 }), day('2026-11-23', { 20: 120, 21: 10 }), day('2026-11-24', { 20: 999 })];
    const f = forecast({ date: '2026-11-30', history, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20 });
    expect(f.basis).toBe('same-weekday');
    expect(f.daysUsed).toEqual(['2026-11-16', '2026-11-23']);
    expect(f.slots).toHaveLength(48);
    expect(f.slots[20]).toMatchObject({ start: '10:00', calls: 100 });
    expect(f.slots[20]!.erlangC!.agents).toBe(14);
    expect(f.slots[21]!.calls).toBe(5);
    expect(f.slots[0]).toMatchObject({ start: '00:00', calls: 0, erlangC: null });
  });

  it('falls back to every day when the weekday is not in the history', () => {
    const v = forecastVolumes('2026-11-30', [day('2026-11-24', { 3: 4 }), day('2026-11-25', { 3: 2 })]);
    expect(v.basis).toBe('all-days');
    expect(v.calls[3]).toBe(3);
    expect(lookbackDates('2026-03-02', 3)).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });
});

describe('staffing search', () => {
  it('finds the same minimum as a linear scan', () => {
    for (const [calls, aht, sl, t, patience] of [[100, 180, 0.8, 20, 300], [37, 240, 0.9, 30, 120], [900, 300, 0.7, 60, 600], [3, 60, 0.95, 10, 30]] as const) {
      const load = (calls * aht) / 1800;
      const r = staffing({ calls, intervalMinutes: 30, ahtSeconds: aht, serviceLevel: sl, targetSeconds: t, patienceSeconds: patience });
      let c = Math.floor(load) + 1;
      while (erlangC(c, load, aht, t).serviceLevel < sl) c++;
      let a = 1;
      while (erlangA(a, load, aht, t, patience).serviceLevel < sl) a++;
      expect([r.erlangC.agents, r.erlangA!.agents]).toEqual([c, a]);
    }
  });

  it('handles very patient callers on a big load', () => {
    const r = staffing({ calls: 10_000, intervalMinutes: 30, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20, patienceSeconds: 3600 });
    expect(r.erlangA!.agents).toBeLessThanOrEqual(r.erlangC.agents);
    expect(r.erlangA!.serviceLevel).toBeGreaterThanOrEqual(0.8);
  });
});
