import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/db/group-commit.js';

/** A fake store recording which items went in which transaction. */
function store(options: { failOn?: number; maxGroup?: number; maxInFlight?: number } = {}) {
  const transactions: number[][] = [];
  const write = async (items: number[]) => {
    await new Promise((r) => setTimeout(r, 2));
    if (items.includes(options.failOn ?? -1)) throw new Error(`refused ${options.failOn}`);
    transactions.push(items);
    return items.map((i) => i * 10);
  };
  const group = new GroupCommit<number, number>({
    many: write,
    one: async (i) => (await write([i]))[0]!,
    maxGroup: options.maxGroup,
    maxInFlight: options.maxInFlight,
  });
  return { group, transactions };
}

describe('group commit', () => {
  it('writes requests made together in one transaction and answers each caller', async () => {
    const { group, transactions } = store();
    const results = await Promise.all([1, 2, 3, 4].map((i) => group.submit(i)));
    expect(results).toEqual([10, 20, 30, 40]);
    expect(transactions).toEqual([[1, 2, 3, 4]]);
  });

  it('gathers what arrives during a transaction into the next, within the size limit', async () => {
    const { group, transactions } = store({ maxGroup: 3, maxInFlight: 1 });
    const first = group.submit(1);
    await new Promise((r) => setImmediate(r));
    const rest = [2, 3, 4, 5].map((i) => group.submit(i));
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50]);
    expect(transactions).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('retries the members of a failed group one by one: only the bad one fails', async () => {
    const { group, transactions } = store({ failOn: 3 });
    const settled = await Promise.allSettled([1, 2, 3, 4].map((i) => group.submit(i)));
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : String(s.reason)))).toEqual([10, 20, 'Error: refused 3', 40]);
    expect(transactions).toEqual([[1], [2], [4]]);
  });
});
