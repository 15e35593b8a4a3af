// At most N conversions at once and M waiting: a burst of uploads queues, a flood is
// refused with 503 and Retry-After instead of starting one Ghostscript per request.
import { ProblemError } from '../api/problem.js';

export interface PoolLimits {
  concurrency: number;
  queue: number;
}

export interface PoolStats {
  running: number;
  waiting: number;
  /** The most that ever ran at once. */
  peak: number;
  refused: number;
}

export class ConversionPool {
  private running = 0;
  private peak = 0;
  private refused = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limits: PoolLimits,
    private readonly retryAfterSeconds = 5,
  ) {}

  /** Runs `work` when a slot is free; throws a 503 problem when the queue is full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limits.concurrency) {
      if (this.waiting.length >= this.limits.queue) {
        this.refused++;
        throw new ProblemError(
          503,
          `PDF conversion is busy: ${this.limits.concurrency} run at once and ${this.limits.queue} may wait (FAX_CONVERSIONS, FAX_CONVERSION_QUEUE); try again later`,
          { limit: 'fax_conversions', concurrency: this.limits.concurrency, queue: this.limits.queue, retryAfterSeconds: this.retryAfterSeconds },
        );
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    this.peak = Math.max(this.peak, this.running);
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, so `running` never dips and refills.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  stats(): PoolStats {
    return { running: this.running, waiting: this.waiting.length, peak: this.peak, refused: this.refused };
  }
}
