// Group commit: requests that arrive while a transaction is in flight are gathered and
// written together in the next one, so a burst of N costs a few transactions instead of N.
// Each caller still gets its own result. When a grouped write fails, every member is
// retried alone: one bad request fails only its own caller.

export interface GroupCommitOptions<I, O> {
  /** Writes the whole group in one transaction; returns one result per item, in order. */
  many(items: I[]): Promise<O[]>;
  /** Writes one item in its own transaction (the fallback, and a group of one). */
  one(item: I): Promise<O>;
  /** The most items in one transaction. */
  maxGroup?: number;
  /** Transactions in flight at once; the rest wait and grow the next group. */
  maxInFlight?: number;
}

interface Waiter<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

export class GroupCommit<I, O> {
  private readonly waiting: Waiter<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxGroup: number;
  private readonly maxInFlight: number;

  constructor(private readonly o: GroupCommitOptions<I, O>) {
    this.maxGroup = o.maxGroup ?? 200;
    this.maxInFlight = o.maxInFlight ?? 2;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || !this.waiting.length) return;
    this.scheduled = true;
    // One turn of the event loop lets the requests of the same burst join the group.
    setImmediate(() => {
      this.scheduled = false;
      while (this.waiting.length && this.inFlight < this.maxInFlight) {
        const group = this.waiting.splice(0, this.maxGroup);
        this.inFlight++;
        void this.write(group).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  private async write(group: Waiter<I, O>[]): Promise<void> {
    if (group.length > 1) {
      let results: O[] | undefined;
      try {
        results = await this.o.many(group.map((w) => w.item));
      } catch {
        results = undefined;
      }
      if (results) {
        group.forEach((w, i) => w.resolve(results[i] as O));
        return;
      }
    }
    for (const w of group) {
      try {
        w.resolve(await this.o.one(w.item));
      } catch (err) {
        w.reject(err);
      }
    }
  }
}
