// Counted budgets in Redis, shared by every instance: "at most N per caller per day",
// "at most N per hour for the whole service". Windows are fixed (the UTC day or hour),
// named in the key, so a counter expires on its own and nothing needs sweeping. All
// budgets of one request are checked and taken in one script: a request refused by one
// budget spends none of the others.
import type { Redis } from 'ioredis';

export interface Budget {
  /** Names the budget in refusals (`fax.per_caller_day`). */
  name: string;
  /** What is counted: a caller, a destination, a key; '' for the whole service. */
  subject: string;
  /** At most this many per window; 0 or less: no limit. */
  limit: number;
  window: 'hour' | 'day';
  /** Says what ran out, for the refusal ("this caller's 3 faxes a day are spent"). */
  spent: string;
  /**
   * What Postgres records as already spent in this window, when it records the thing
   * counted: the counter never reads below it (Redis restarted empty forgets nothing),
   * and the budget can be judged from it alone while Redis is away.
   */
  floor?: number;
}

export type BudgetResult = { ok: true } | { ok: false; budget: Budget };

// ARGV per key: limit, seconds to keep the counter, floor.
const TAKE = `
local cur, used = {}, {}
for i = 1, #KEYS do
  cur[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  used[i] = math.max(cur[i], tonumber(ARGV[3 * i]))
  if used[i] >= tonumber(ARGV[3 * i - 2]) then return i end
end
for i = 1, #KEYS do
  redis.call('INCRBY', KEYS[i], used[i] + 1 - cur[i])
  if redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], ARGV[3 * i - 1]) end
end
return 0`;

/** Redis did not answer: the budget could not be judged (see takeBudgetsOrFloor). */
export class BudgetsUnavailableError extends Error {
  constructor(cause: Error) {
    super(`dial budgets cannot be checked now: ${cause.message}`);
  }
}

/** The key of a budget's current window. */
export function budgetKey(prefix: string, b: Budget, now: Date): string {
  const iso = now.toISOString();
  const window = b.window === 'day' ? iso.slice(0, 10) : iso.slice(0, 13);
  return `${prefix}:budget:${b.name}:${window}:${b.subject}`;
}

/**
 * Takes one unit of every budget, or none when one of them is spent. While Redis does
 * not answer, budgets that all have a Postgres floor are judged from it (what Postgres
 * records is the spending, so nothing is counted twice when Redis is back); any other
 * budget makes it a BudgetsUnavailableError.
 */
export async function takeBudgets(redis: Redis, prefix: string, budgets: readonly Budget[], now = new Date()): Promise<BudgetResult> {
  const live = budgets.filter((b) => b.limit > 0);
  if (live.length === 0) return { ok: true };
  const keys = live.map((b) => budgetKey(prefix, b, now));
  // A window's counter outlives the window a little, so a clock a bit behind still sees it.
  const args = live.flatMap((b) => [String(b.limit), String(b.window === 'day' ? 2 * 86_400 : 2 * 3_600), String(b.floor ?? 0)]);
  let hit: number;
  try {
    hit = Number(await redis.eval(TAKE, keys.length, ...keys, ...args));
  } catch (err) {
    if (!live.every((b) => b.floor !== undefined)) throw new BudgetsUnavailableError(err as Error);
    const spent = live.find((b) => b.floor! >= b.limit);
    return spent ? { ok: false, budget: spent } : { ok: true };
  }
  return hit === 0 ? { ok: true } : { ok: false, budget: live[hit - 1]! };
}
