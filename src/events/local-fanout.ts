// The relay's own fan-out: a pass whose events this instance can fan out at once is not
// handed to the `events` queue (an add script, a worker wake-up, a move to active and one
// to finished, the payloads written to Redis and parsed back) but fanned out here, right
// after the pass's commit, with the payloads the relay read. Postgres stays the record:
// an event the relay has published and nobody fanned out (this process died, or the run
// failed and the queue was unreachable too) is published again by the relay's sweep one
// grace period later (relay-sweep.ts), as for a job lost with Redis's data. A run that
// fails is handed to the `events` queue, whose retries then take over. Decision 83. At its
// limit the relay leaves the next passes in the outbox and is woken when a run ends
// (decision 95); the queue takes the runs that failed, the sweep's, and the passes made
// while its Redis connection is not ready.
import type { Logger } from '../log.js';
import { withoutBodies, type EventsJob, type EventsJobData } from './queues.js';

export interface LocalFanOutOptions {
  /** Fans out one run of events (fanOutEvents with the pipeline's dependencies). */
  run: (data: EventsJobData) => Promise<unknown>;
  /** Puts runs on the `events` queue (when a local run failed). */
  enqueue: (runs: EventsJob[]) => Promise<unknown>;
  /**
   * False while the queue's connection is not ready: the pass then goes through the queue
   * as before (and waits for Redis there), since a run's retries need the queue anyway.
   */
  ready: () => boolean;
  /**
   * Passes fanned out here at the same time. At the limit the relay leaves further passes
   * in the outbox until a run ends (or another instance's relay takes them), rather than
   * putting them on the queue (decision 95). 0: every pass goes through the queue.
   */
  limit: number;
  /** Told when a run ends while the limit was reached: there is room for the pass that waited. */
  onRoom?: () => void;
  /**
   * A run older than this (a receiver that hangs until its timeout) no longer makes the
   * next passes wait: they go through the queue as before decision 95, so one slow
   * receiver holds neither every other subscriber's events nor the live stream. 1,000 ms.
   */
  stallMs?: number;
  log: Logger;
}

export class LocalFanOut {
  /** Runs in flight and when each started, oldest first (a Map keeps insertion order). */
  private readonly running = new Map<Promise<void>, number>();
  private stopped = false;
  readonly stats = { runs: 0, handedToQueue: 0 };

  constructor(private readonly opts: LocalFanOutOptions) {}

  /** Whether the pass being read now can be fanned out here (asked before its commit). */
  canTake(): boolean {
    return !this.stopped && this.running.size < this.opts.limit && this.opts.ready();
  }

  /**
   * Whether the pass being read now should wait for room here: the limit is reached while
   * the queue's connection is up. Through the queue it would cost an add script, a worker
   * wake-up, two moves and its payloads written to Redis and parsed back, for work this
   * instance (or another's relay) does anyway once a run ends. Not while the oldest run
   * has been stuck for `stallMs`: then the queue's workers take the overflow.
   */
  full(): boolean {
    if (this.stopped || this.opts.limit <= 0 || this.running.size < this.opts.limit || !this.opts.ready()) return false;
    const oldest = this.running.values().next().value as number;
    return Date.now() - oldest < (this.opts.stallMs ?? 1_000);
  }

  /** Fans out a committed pass's runs, in order, without making the relay wait for them. */
  start(runs: EventsJob[]): void {
    const done: Promise<void> = this.fanOut(runs).finally(() => {
      const wasFull = this.running.size >= this.opts.limit;
      this.running.delete(done);
      if (wasFull && !this.stopped) this.opts.onRoom?.();
    });
    this.running.set(done, Date.now());
  }

  private async fanOut(runs: EventsJob[]): Promise<void> {
    for (let i = 0; i < runs.length; i++) {
      try {
        await this.opts.run(runs[i]!.data);
        this.stats.runs++;
      } catch (err) {
        // Re-running a run is safe (the fan-out adds no delivery twice and sends nothing
        // already attempted): the queue retries this one and the rest with its backoff.
        const rest = runs.slice(i).map(withoutBodies);
        this.opts.log.warn({ err: (err as Error).message, events: rest.reduce((n, r) => n + r.data.events.length, 0) }, 'event fan-out failed; handing it to the events queue');
        try {
          await this.opts.enqueue(rest);
          this.stats.handedToQueue += rest.length;
        } catch (qerr) {
          // Not fanned out and not queued: the relay's sweep publishes them again.
          this.opts.log.warn({ err: (qerr as Error).message }, 'events queue unreachable; the relay sweep will publish these events again');
        }
        return;
      }
    }
  }

  /** Takes no more passes; waits up to `timeoutMs` for those running (the sweep covers any abandoned). */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.running.keys()]), timeout]);
    clearTimeout(timer);
  }
}
