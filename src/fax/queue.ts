// Sending a fax: the destination through the dial allow-list, the fax recorded (with
// fax.queued), then a job on the BullMQ `fax` queue that a PBX node's worker carries out.
import { Queue } from 'bullmq';
import { ProblemError } from '../api/problem.js';
import { DEFAULT_DIAL_POLICY, checkDestination, type DialPolicy } from '../calls/dial-policy.js';
import type { FaxConfig } from '../config.js';
import type { Db } from '../db/pool.js';
import { producerConnection } from '../events/queues.js';
import { createFax, pendingFaxes, type Fax } from './repository.js';

export const FAX_QUEUE = 'fax';

/** After this long, an attempt still `sending` belonged to a worker that died. */
export function staleAttemptMs(c: FaxConfig): number {
  return c.ringTimeoutMs + 30_000 + c.sendTimeoutMs + 60_000;
}

export interface FaxJobData {
  faxId: string;
}

export type FaxQueue = Queue<FaxJobData, unknown, string>;

export function faxBullPrefix(redisPrefix: string): string {
  return `${redisPrefix}:bull`;
}

export function openFaxQueue(redisUrl: string, redisPrefix: string): FaxQueue {
  const queue: FaxQueue = new Queue(FAX_QUEUE, { connection: producerConnection(redisUrl), prefix: faxBullPrefix(redisPrefix) });
  queue.on('error', () => {});
  return queue;
}

/** Refused destinations are 422s naming the reason; nothing is recorded for them. */
export class DestinationRefused extends ProblemError {
  constructor(reason: string) {
    super(422, `fax destination refused: ${reason}`);
  }
}

export interface FaxRequest {
  destination: string;
  documentCode?: string;
  tiff?: Buffer;
  pages: number;
  callId?: string | null;
}

export class FaxSender {
  constructor(
    private readonly db: Db,
    private readonly queue: FaxQueue,
    private readonly config: FaxConfig,
    private readonly policy: DialPolicy = DEFAULT_DIAL_POLICY,
  ) {}

  async send(req: FaxRequest): Promise<Fax> {
    const check = checkDestination(req.destination, this.policy);
    if (!check.ok) throw new DestinationRefused(check.reason);
    const fax = await createFax(this.db, { ...req, destination: check.number, maxAttempts: this.config.maxAttempts });
    // Postgres holds the fax and its attempts; Redis only the work list and its timing.
    // Redis refusing the job leaves the fax queued: requeue() finds it again.
    await this.enqueue(fax).catch(() => undefined);
    return fax;
  }

  /** Adds the fax's job unless it exists (the job id is the fax id, so this is idempotent). */
  async enqueue(fax: Fax): Promise<void> {
    await this.queue.add(
      'send',
      { faxId: fax.id },
      {
        jobId: fax.id,
        attempts: Math.max(1, fax.maxAttempts - fax.attempts),
        backoff: { type: 'exponential', delay: this.config.retryDelayMs },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
  }

  /** Every fax waiting for an attempt gets its job back (after Redis lost it or refused it). */
  async requeue(): Promise<number> {
    const pending = await pendingFaxes(this.db, staleAttemptMs(this.config));
    for (const fax of pending) await this.enqueue(fax);
    return pending.length;
  }
}
