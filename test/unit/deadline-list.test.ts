import { describe, expect, it } from 'vitest';
import { DeadlineList, type Expiring } from '../../src/events/deadline-list.js';

/** An entry that records when (and whether) it expired. */
function entry(name: string, log: string[]): Expiring & { expiredAt?: number; done: Promise<void> } {
  let resolve!: () => void;
  const e = {
    deadline: 0,
    prevDue: undefined,
    nextDue: undefined,
    listed: false,
    expiredAt: undefined as number | undefined,
    done: new Promise<void>((r) => (resolve = r)),
    expire() {
      e.expiredAt = performance.now();
      log.push(name);
      resolve();
    },
  };
  return e;
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('DeadlineList', () => {
  it('expires entries in start order, never before their deadline, and skips those removed', async () => {
    const list = new DeadlineList(30);
    const log: string[] = [];
    const [a, b, c] = [entry('a', log), entry('b', log), entry('c', log)];
    list.add(a);
    list.add(b);
    list.add(c);
    list.remove(b); // settled in time
    await Promise.all([a.done, c.done]);
    expect(log).toEqual(['a', 'c']);
    expect(b.expiredAt).toBeUndefined();
    for (const e of [a, c]) {
      expect(e.listed).toBe(false);
      expect(e.expiredAt!).toBeGreaterThanOrEqual(e.deadline);
    }
    // Removing an entry that already expired changes nothing.
    list.remove(a);
    expect(log).toEqual(['a', 'c']);
  });

  it('re-arms for a later head when the one it was armed for left early', async () => {
    const list = new DeadlineList(20);
    const log: string[] = [];
    const first = entry('first', log);
    list.add(first);
    await new Promise((r) => setTimeout(r, 5));
    const second = entry('second', log);
    list.add(second);
    list.remove(first);
    await second.done;
    expect(log).toEqual(['second']);
    expect(second.expiredAt!).toBeGreaterThanOrEqual(second.deadline);
  });

  it('holds one timer while entries wait and none once they are all gone', () => {
    const before = timers();
    const list = new DeadlineList(60_000);
    const log: string[] = [];
    const entries = Array.from({ length: 5 }, (_, i) => entry(String(i), log));
    for (const e of entries) list.add(e);
    expect(timers()).toBe(before + 1);
    for (const e of [entries[2]!, entries[0]!, entries[4]!, entries[1]!]) list.remove(e);
    expect(timers()).toBe(before + 1);
    list.remove(entries[3]!);
    expect(timers()).toBe(before);
    expect(log).toEqual([]);
  });
});
