// Redis writes of the call flow that may wait without holding the call up: removing a
// waiting call's live entry, putting one there, ending a ring-all round. While Redis does
// not answer such a write is retried in the background, so a blink never leaves a caller
// in silence or a stale entry for the next owner to put back on hold.
import type { Logger } from '../log.js';
import { isStoreOutage, outageRetryDelay } from '../pbx/outage.js';

const HOLD_MS = 10 * 60_000;

export class Eventually {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly log: Logger,
    private readonly holdMs = HOLD_MS,
  ) {}

  /** Runs `write` now; if Redis is away, again later until it answers. Other errors are logged. */
  async run(what: string, write: () => Promise<unknown>): Promise<void> {
    const since = Date.now();
    const attempt = async (n: number): Promise<void> => {
      try {
        await write();
      } catch (err) {
        if (isStoreOutage(err) && !this.stopped && Date.now() - since < this.holdMs) {
          if (n === 1) this.log.warn({ what, err: (err as Error).message }, 'Redis write held until Redis answers');
          const t = setTimeout(() => {
            this.timers.delete(t);
            void attempt(n + 1);
          }, outageRetryDelay(n));
          t.unref();
          this.timers.add(t);
          return;
        }
        this.log.error({ what, err: (err as Error).message }, 'Redis write failed');
      }
    };
    await attempt(1);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
