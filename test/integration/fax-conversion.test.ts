// Ghostscript cannot take the machine: a conversion past its time is killed with its whole
// process group, one past its output size dies in the kernel, a damaged PDF is refused with
// a sentence that names no path, and the pool never runs more than its limit at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemError } from '../../src/api/problem.js';
import { ConversionPool } from '../../src/fax/conversion-pool.js';
import { ConversionFailed, pdfToFaxTiff, type GsLimits } from '../../src/fax/convert.js';
import { makeHeavyPdf, makePdf } from '../helpers/fax-files.js';
import { waitFor } from '../helpers/wait.js';

const roomy: GsLimits = { timeoutMs: 120_000, maxMemoryBytes: 512 * 1_048_576, maxOutputBytes: 64 * 1_048_576 };

const alive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

async function failure(p: Promise<unknown>): Promise<ConversionFailed> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConversionFailed);
  return err as ConversionFailed;
}

describe('one conversion', () => {
  it('converts an ordinary PDF within the limits', async () => {
    const tiff = await pdfToFaxTiff(makePdf(2), roomy);
    expect(tiff.subarray(0, 2).toString('latin1')).toBe('II');
  });

  it('kills a conversion that runs past its timeout, process group and all', async () => {
    // A thousand heavy pages: minutes of Ghostscript; the timeout is a second.
    let pgid = 0;
    const err = await failure(pdfToFaxTiff(makeHeavyPdf(1000), { ...roomy, timeoutMs: 1000 }, { onSpawn: (id) => (pgid = id) }));
    expect(err.reason).toBe('timeout');
    expect(err.message).toBe('the PDF conversion took longer than 1 s and was stopped');
    expect(pgid).toBeGreaterThan(0);
    expect(alive(pgid)).toBe(false);
  });

  it('stops a conversion whose TIFF would exceed the output limit', async () => {
    const err = await failure(pdfToFaxTiff(makeHeavyPdf(10, 500), { ...roomy, maxOutputBytes: 65_536 }));
    expect(err.reason).toBe('output_too_large');
    expect(err.message).toBe('the converted document would exceed 65536 bytes');
  });

  it('refuses a damaged PDF with a sentence that names no path, in the answer or the log line', async () => {
    const damaged = Buffer.concat([makePdf(1).subarray(0, 40), Buffer.from('\n1 0 obj <</Type/Catalog/Pages 9 0 R>> endobj\n(/etc/passwd) run\n')]);
    const err = await failure(pdfToFaxTiff(damaged, roomy));
    expect(err.reason).toBe('failed');
    for (const text of [err.message, err.diagnostic]) {
      expect(text).not.toMatch(/cti-fax-|\/tmp\b|in\.pdf/);
    }
  });
});

describe('the conversion pool', () => {
  const live = { now: 0, most: 0 };
  let pool: ConversionPool;
  beforeAll(() => {
    pool = new ConversionPool({ concurrency: 2, queue: 3 });
  });
  afterAll(() => undefined);

  it('runs at most its limit of Ghostscripts at once and refuses past the queue with a 503 naming the limit', async () => {
    // Counted from the processes themselves: up when one starts, down when it has exited.
    const convert = () =>
      pool.run(async () => {
        try {
          return await pdfToFaxTiff(makeHeavyPdf(4), roomy, {
            onSpawn: () => {
              live.now++;
              live.most = Math.max(live.most, live.now);
            },
          });
        } finally {
          live.now--;
        }
      });
    const results = await Promise.allSettled(Array.from({ length: 7 }, convert));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as ProblemError);
    // Two run, three wait: the last two find the queue full (they arrive before any finishes).
    expect(refused).toHaveLength(2);
    for (const err of refused) {
      expect(err.status).toBe(503);
      expect(err.message).toMatch(/2 run at once and 3 may wait \(FAX_CONVERSIONS, FAX_CONVERSION_QUEUE\)/);
      expect(err.extensions).toMatchObject({ limit: 'fax_conversions', retryAfterSeconds: expect.any(Number) });
    }
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(live.most).toBe(2);
    expect(pool.stats()).toMatchObject({ running: 0, waiting: 0, peak: 2, refused: 2 });
    await waitFor('counters to settle', async () => (live.now === 0 ? true : undefined));
  });
});
