// Coalesces the many small, concurrent calls of queue jobs into few round trips: each job
// still asks for its own row, but while a batch is in flight the next requests gather up
// and go together. Under light load a call goes out at once (next tick), alone.

export interface BatcherOptions {
  /** Most keys per call of the batch function. */
  maxBatch?: number;
  /** Batches running at once; more requests wait and join the next batch. */
  maxInFlight?: number;
}

interface Waiting<K, V> {
  key: K;
  resolve(v: V): void;
  reject(err: unknown): void;
}

export class Batcher<K, V> {
  private queue: Array<Waiting<K, V>> = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  /** `run` returns one result per key, in the order of the keys. */
  constructor(
    private readonly run: (keys: K[]) => Promise<V[]>,
    options: BatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.maxInFlight = options.maxInFlight ?? 4;
  }

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.queue.push({ key, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate lets every job woken in this turn add its key first.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.run(batch.map((w) => w.key))
        .then(
          (results) => {
            if (results.length !== batch.length) throw new Error(`batch returned ${results.length} results for ${batch.length} keys`);
            batch.forEach((w, i) => w.resolve(results[i]!));
          },
          (err: unknown) => batch.forEach((w) => w.reject(err)),
        )
        .catch((err: unknown) => batch.forEach((w) => w.reject(err)))
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }
}
