// The key watch's periodic re-check runs only while a long-lived session is open: an
// instance with none has nothing to re-check and is not woken for it.
import { describe, expect, it } from 'vitest';
import { KeyWatch, type WatchedSession } from '../../src/api/key-watch.js';
import type { Queryable } from '../../src/db/pool.js';
import { waitUntil } from '../helpers/receiver.js';

const KEY = '00000000-0000-4000-8000-0000000000aa';

describe('KeyWatch re-check timer', () => {
  it('is armed while a session is open, and gone with the last one', async () => {
    let queries = 0;
    // The key exists and keeps its scopes: the session stays open.
    const db = {
      query: async () => {
        queries++;
        return { rows: [{ id: KEY, scopes: ['calls:read'], prefix: 'aaaaaaaaaaaa', previous_prefix: null, previous_live: false }] };
      },
    } as unknown as Queryable;
    const watch = new KeyWatch({ db, channel: 'keys', forget: () => undefined, recheckMs: 5 });
    await watch.start();
    expect(watch.rechecking).toBe(false);

    const session: WatchedSession = { keyId: KEY, scopes: ['calls:read'], close: () => undefined };
    const unwatch = watch.watch(session);
    expect(watch.rechecking).toBe(true);
    await waitUntil(() => queries >= 2, 'the periodic re-check to run');
    unwatch();
    expect(watch.rechecking).toBe(false);

    // A session the re-check closes disarms it too.
    const closed: string[] = [];
    watch.watch({ keyId: KEY, scopes: ['admin'], close: (reason) => void closed.push(reason) });
    expect(watch.rechecking).toBe(true);
    await waitUntil(() => closed.length === 1, 'the session to be closed');
    expect(watch.rechecking).toBe(false);

    watch.watch(session);
    await watch.stop();
    expect(watch.rechecking).toBe(false);
  });
});
