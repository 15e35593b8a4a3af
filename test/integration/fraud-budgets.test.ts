// Budgets on the real Redis: a floor from Postgres keeps a counter Redis lost from reading
// low, and while Redis does not answer only budgets that all have a floor can be judged.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { demandBudgets } from '../../src/fax/on-demand.js';
import { BudgetsUnavailableError, budgetKey, takeBudgets, type Budget } from '../../src/fraud/budgets.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { freePort } from '../helpers/redis-server.js';

const redis = new Redis(TEST_REDIS_URL);
afterAll(async () => {
  await redis.quit();
});

const budget = (limit: number, floor?: number): Budget => ({
  name: 'key_calls_day',
  subject: 'k1',
  limit,
  window: 'day',
  spent: 'spent',
  ...(floor === undefined ? {} : { floor }),
});

describe('budgets', () => {
  it('never reads a counter below its floor, and counts on from it', async () => {
    const prefix = uniquePrefix('budget');
    const now = new Date();
    expect(await takeBudgets(redis, prefix, [budget(5, 3)], now)).toEqual({ ok: true });
    const key = budgetKey(prefix, budget(5), now);
    expect(await redis.get(key)).toBe('4');
    expect(await redis.ttl(key)).toBeGreaterThan(86_400);
    // A floor below the counter changes nothing.
    expect(await takeBudgets(redis, prefix, [budget(5, 1)], now)).toEqual({ ok: true });
    expect(await redis.get(key)).toBe('5');
    expect(await takeBudgets(redis, prefix, [budget(5, 1)], now)).toMatchObject({ ok: false });
    // Redis lost the counter; Postgres still knows four were spent.
    await redis.del(key);
    expect(await takeBudgets(redis, prefix, [budget(5, 4)], now)).toEqual({ ok: true });
    expect(await takeBudgets(redis, prefix, [budget(5, 4)], now)).toMatchObject({ ok: false, budget: { name: 'key_calls_day' } });
  });

  it('judges floored budgets alone while Redis does not answer, and no others', async () => {
    const dead = new Redis(`redis://127.0.0.1:${await freePort()}`, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
    dead.on('error', () => {});
    try {
      expect(await takeBudgets(dead, 'p', [budget(5, 4)])).toEqual({ ok: true });
      expect(await takeBudgets(dead, 'p', [budget(5, 5)])).toMatchObject({ ok: false, budget: { name: 'key_calls_day' } });
      await expect(takeBudgets(dead, 'p', [budget(5, 0), { ...budget(3), name: 'fax_demand_day' }])).rejects.toBeInstanceOf(BudgetsUnavailableError);
      // No budget with a limit: nothing to ask Redis.
      expect(await takeBudgets(dead, 'p', [budget(0)])).toEqual({ ok: true });
    } finally {
      dead.disconnect();
    }
  });
});

describe('fax-on-demand budgets', () => {
  const limits = { perCallerDay: 3, perDestinationDay: 2, perDay: 5, perHour: 4 };
  const ask = (prefix: string, caller: string, destination: string, now: Date) => takeBudgets(redis, prefix, demandBudgets(limits, caller, destination), now);
  const refusedBy = async (p: Promise<unknown>) => ((await p) as { ok: boolean; budget?: Budget }).budget?.name;

  it('a destination keyed by many callers gets at most its daily faxes, and a refusal spends no other budget', async () => {
    const prefix = uniquePrefix('demand');
    const now = new Date('2026-03-02T10:15:00Z');
    expect(await ask(prefix, '0301000001', '0309999999', now)).toEqual({ ok: true });
    expect(await ask(prefix, '0301000002', '030 999-9999', now)).toEqual({ ok: true });
    expect(await refusedBy(ask(prefix, '0301000003', '0309999999', now))).toBe('fax_demand_destination_day');
    // The refused caller spent nothing: their own budget and the service's are untouched.
    const [caller, day] = demandBudgets(limits, '0301000003', '0309999999').filter((b) => b.name !== 'fax_demand_destination_day');
    expect(await redis.get(budgetKey(prefix, caller!, now))).toBeNull();
    expect(await redis.get(budgetKey(prefix, day!, now))).toBe('2');
  });

  it('the whole service gets at most its hourly and its daily faxes, whoever asks for wherever', async () => {
    const prefix = uniquePrefix('demand');
    const at = (h: number) => new Date(`2026-03-02T${String(h).padStart(2, '0')}:30:00Z`);
    const n = { i: 0 };
    const fresh = (h: number) => (n.i++, ask(prefix, `03020000${String(n.i).padStart(2, '0')}`, `03030000${String(n.i).padStart(2, '0')}`, at(h)));
    for (let i = 0; i < 4; i++) expect(await fresh(9)).toEqual({ ok: true });
    expect(await refusedBy(fresh(9))).toBe('fax_demand_hour');
    // The next hour opens the hourly budget again, until the day's is spent.
    expect(await fresh(10)).toEqual({ ok: true });
    expect(await refusedBy(fresh(10))).toBe('fax_demand_day');
    expect(await refusedBy(fresh(11))).toBe('fax_demand_day');
  });
});
