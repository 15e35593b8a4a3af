// Stands in for the BullMQ `events` queue in relay tests: records the jobs added, and
// `failing` behaves like an unreachable Redis.
import type { DomainEvent } from '../../src/events/catalogue.js';

export type Added = { name: string; data: { events: DomainEvent[] }; opts?: { jobId?: string } };

export class RecordingQueue {
  added: Added[] = [];
  failing = false;
  /** A round trip's time before the answer (keeps a relay's transaction open). */
  delayMs = 0;
  /** Every event of every job, in the order they were queued. */
  get events(): DomainEvent[] {
    return this.added.flatMap((j) => j.data.events);
  }
  async addBulk(jobs: Added[]) {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failing) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
    this.added.push(...jobs);
    return [] as never;
  }
}
