// Budgets on the real Redis: a floor from Postgres keeps a counter Redis lost from reading
// low, and while Redis does not answer only budgets that all have a floor can be judged.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
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
