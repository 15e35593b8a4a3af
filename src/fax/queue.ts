// Sending a fax: the destination through the dial gate (the key's or the configured
// policy, budgets), the fax recorded (with fax.queued), then a job on the BullMQ `fax`
// queue that a PBX node's worker carries out. A refusal is announced as fax.refused.
import { Queue } from 'bullmq';
import { ProblemError } from '../api/problem.js';
import type { FaxConfig } from '../config.js';
import type { Db } from '../db/pool.js';
import { producerConnection } from '../events/queues.js';
import type { Budget } from '../fraud/budgets.js';
import type { DialGate } from '../fraud/gate.js';
import { createFax, pendingFaxes, recordFaxRefusal, type Fax } from './repository.js';

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

export interface FaxRequest {
  destination: string;
  documentCode?: string;
  tiff?: Buffer;
  pages: number;
  callId?: string | null;
  /** The key that asks; null for fax-on-demand (a caller asks). */
  apiKeyId: string | null;
  callerNumber?: string | null;
  /** The caller's and the service's fax-on-demand budgets. */
  budgets?: readonly Budget[];
}

export class FaxSender {
  constructor(
    private readonly db: Db,
    private readonly queue: FaxQueue,
    private readonly config: FaxConfig,
    private readonly gate: DialGate,
  ) {}

  /** Queues the fax, or throws the 4xx problem that refused it (after fax.refused). */
  async send(req: FaxRequest): Promise<Fax> {
    let number: string;
    try {
      number = await this.gate.check({
        feature: req.apiKeyId ? 'fax' : 'fax_on_demand',
        apiKeyId: req.apiKeyId,
        callerNumber: req.callerNumber ?? null,
        number: req.destination,
        spends: 'faxes',
        budgets: req.budgets ?? [],
        what: 'fax destination',
      });
    } catch (err) {
      if (err instanceof ProblemError && err.status < 500) await this.refused(req, String(err.extensions['rule'] ?? 'refused'), err.message);
      throw err;
    }
    const { budgets: _budgets, callerNumber: _caller, ...row } = req;
    const fax = await createFax(this.db, { ...row, destination: number, maxAttempts: this.config.maxAttempts });
    // Postgres holds the fax and its attempts; Redis only the work list and its timing.
    // Redis refusing the job leaves the fax queued: requeue() finds it again.
    await this.enqueue(fax).catch(() => undefined);
    return fax;
  }

  /** Announces a fax that will not be sent: who asked, for where, and the rule that refused it. */
  async refused(req: Pick<FaxRequest, 'destination' | 'documentCode' | 'callId' | 'apiKeyId' | 'callerNumber'>, rule: string, reason: string): Promise<void> {
    await recordFaxRefusal(this.db, {
      destination: req.destination.slice(0, 32),
      documentCode: req.documentCode ?? null,
      callId: req.callId ?? null,
      apiKeyId: req.apiKeyId,
      callerNumber: req.callerNumber ?? null,
      rule,
      reason,
    });
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
