// A stream that resumes from a cursor reads the journal instead of the bus: the bus only
// says "something new", and the connection pages the journal from where it stands. So a
// client that reconnects with its last `sequence` gets everything after it, in order,
// with no gap between the history and the live part (they are the same read).
import type { Queryable } from '../db/pool.js';
import type { EventType } from '../events/catalogue.js';
import { readJournal, type JournalEntry } from '../events/journal.js';

export interface JournalFollower {
  /** Something was published: read soon. */
  wake(): void;
  stop(): void;
}

export interface FollowOptions {
  db: Queryable;
  after: number;
  types: ReadonlySet<EventType>;
  /** The reading key (null: admin, every event): events of objects other keys own are skipped. */
  reader?: string | null;
  /** Returns false when the client cannot take more (it is then dropped by the caller). */
  send(entry: JournalEntry): boolean;
  onError(err: Error): void;
  /** Reads also happen on this interval: a row hidden behind a long transaction shows up without a new event. */
  pollMs?: number;
  pageSize?: number;
}

export function followJournal(opts: FollowOptions): JournalFollower {
  const pageSize = opts.pageSize ?? 500;
  let cursor = opts.after;
  let running = false;
  let again = false;
  let stopped = false;

  async function pump(): Promise<void> {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        for (;;) {
          const page = await readJournal(opts.db, cursor, pageSize, opts.types, opts.reader ?? null);
          for (const entry of page.entries) {
            if (stopped) return;
            if (!opts.send(entry)) return stop();
            cursor = entry.sequence;
          }
          if (page.entries.length < pageSize) break;
        }
      } while (again && !stopped);
    } catch (err) {
      opts.onError(err as Error);
    } finally {
      running = false;
    }
  }

  const timer = setInterval(() => void pump(), opts.pollMs ?? 1_000);
  timer.unref();
  function stop(): void {
    stopped = true;
    clearInterval(timer);
  }
  void pump();
  return { wake: () => void pump(), stop };
}
