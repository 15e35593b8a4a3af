// The write of a call step already carried out on the PBX (and marked so in memory, so a
// handler run again would skip it) must not be lost to a Postgres outage: it is tried
// again until Postgres answers, for a bounded time; past it the node's open call audit
// ends what was left.
import type { Logger } from '../../log.js';
import { isStoreOutage, outageRetryDelay } from '../../pbx/outage.js';

/** How long a call's end waits for Postgres; past it the node's open call audit ends the call. */
export const END_HOLD_MS = 120_000;

export async function heldWrite<T>(what: string, write: () => Promise<T>, o: { log: Logger; stopped: () => boolean; holdMs?: number }): Promise<T> {
  const since = Date.now();
  const holdMs = o.holdMs ?? END_HOLD_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!isStoreOutage(err) || o.stopped() || Date.now() - since > holdMs) throw err;
      if (attempt === 1) o.log.warn({ what, err: (err as Error).message }, 'call change held until Postgres answers');
      await new Promise((r) => setTimeout(r, outageRetryDelay(attempt)));
    }
  }
}
