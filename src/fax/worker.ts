// The `fax` queue's worker on a PBX node: each job is one attempt. The fax row counts the
// attempts and holds the outcome; a failed attempt with attempts left throws, and BullMQ
// runs the job again after its exponential backoff.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { Worker, type Job } from 'bullmq';
import type { AmiClient } from '../ami/index.js';
import type { FaxConfig } from '../config.js';
import type { Db } from '../db/pool.js';
import { workerConnection } from '../events/queues.js';
import type { Logger } from '../log.js';
import type { FaxWatch } from './ami-watch.js';
import { attemptFax } from './attempt.js';
import { nextStep } from './outcome.js';
import { FAX_QUEUE, faxBullPrefix, staleAttemptMs, type FaxJobData } from './queue.js';
import { faxTiff, markFailed, markRetrying, markSent, startAttempt } from './repository.js';

export interface FaxWorkerOptions {
  db: Db;
  ami: AmiClient;
  watch: FaxWatch;
  config: FaxConfig;
  redisUrl: string;
  redisPrefix: string;
  log: Logger;
}

export function startFaxWorker(o: FaxWorkerOptions): Worker<FaxJobData, string, string> {
  const localDir = resolve(o.config.documentDir);
  const pbxDir = o.config.pbxDocumentDir ?? localDir;
  const worker = new Worker<FaxJobData, string, string>(FAX_QUEUE, (job) => runAttempt(job), {
    connection: workerConnection(o.redisUrl),
    prefix: faxBullPrefix(o.redisPrefix),
    // Each attempt holds a PBX channel for minutes; a few at a time per node.
    concurrency: 4,
  });
  worker.on('error', (err) => o.log.warn({ err: err.message }, 'fax worker error'));

  async function runAttempt(job: Job<FaxJobData, string, string>): Promise<string> {
    const fax = await startAttempt(o.db, job.data.faxId, staleAttemptMs(o.config));
    if (!fax) return 'finished already';
    const flog = o.log.child({ faxId: fax.id, attempt: fax.attempts });
    const tiff = await faxTiff(o.db, fax.id);
    if (!tiff) {
      await markFailed(o.db, fax, 'no_document', 'the document was deleted before the fax was sent');
      return 'failed';
    }
    await mkdir(localDir, { recursive: true });
    const name = `fax-${fax.id}.tif`;
    await writeFile(join(localDir, name), tiff);
    const outcome = await attemptFax(o.ami, o.watch, o.config, { number: fax.destination, pbxFile: posix.join(pbxDir, name), documentPages: fax.pages });
    if (outcome.ok) {
      await markSent(o.db, fax, outcome.pages);
      await rm(join(localDir, name), { force: true });
      flog.info({ event: 'fax.sent', pages: outcome.pages }, 'fax sent');
      return 'sent';
    }
    const step = nextStep(fax.attempts, fax.maxAttempts, o.config.retryDelayMs);
    if (!step.retry) {
      await markFailed(o.db, fax, outcome.reason, outcome.detail);
      await rm(join(localDir, name), { force: true });
      flog.warn({ event: 'fax.failed', reason: outcome.reason }, 'fax failed for good');
      return 'failed';
    }
    await markRetrying(o.db, fax.id, `${outcome.reason}: ${outcome.detail}`);
    flog.info({ event: 'fax.retry', reason: outcome.reason, delayMs: step.delayMs }, 'fax attempt failed; retrying');
    throw new Error(`${outcome.reason}: ${outcome.detail}`);
  }

  return worker;
}
