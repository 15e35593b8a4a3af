// What an upload becomes before anything is stored: a fax-ready TIFF or a 422 that says
// what is wrong with it.
import { ProblemError } from '../api/problem.js';
import type { FastifyBaseLogger } from 'fastify';
import { ConversionFailed, ConversionUnavailable } from './convert.js';
import { checkFaxTiff, isPdf, isTiff } from './tiff.js';

export interface FaxReady {
  tiff: Buffer;
  pages: number;
  sourceType: 'pdf' | 'tiff';
}

export const UPLOAD_TYPES = ['application/pdf', 'image/tiff'];

const unprocessable = (detail: string, extensions?: Record<string, unknown>) => new ProblemError(422, detail, extensions);

export interface UploadOptions {
  maxBytes: number;
  /** PDF -> fax TIFF, bounded (see conversion-pool.ts and convert.ts). */
  convert: (pdf: Buffer) => Promise<Buffer>;
  log: FastifyBaseLogger;
}

export async function prepareUpload(body: Buffer, { maxBytes, convert, log }: UploadOptions): Promise<FaxReady> {
  if (body.length === 0) throw unprocessable('the upload is empty');
  if (body.length > maxBytes) throw unprocessable(`the upload has ${body.length} bytes; at most ${maxBytes} are accepted`);
  // The bytes decide, not the declared type: a renamed file is caught here.
  if (isTiff(body)) {
    const check = checkFaxTiff(body);
    if (!check.ok) throw unprocessable(`the TIFF is not fax-ready: ${check.reason}`);
    return { tiff: body, pages: check.pages, sourceType: 'tiff' };
  }
  if (isPdf(body)) {
    let tiff: Buffer;
    try {
      tiff = await convert(body);
    } catch (err) {
      if (err instanceof ConversionUnavailable) throw new ProblemError(503, `${err.message}; upload a fax-ready TIFF instead`);
      if (err instanceof ConversionFailed) {
        log.warn({ reason: err.reason, ghostscript: err.diagnostic }, 'PDF conversion failed');
        throw unprocessable(err.message, { reason: err.reason });
      }
      throw err;
    }
    const check = checkFaxTiff(tiff);
    if (!check.ok) throw unprocessable(`the PDF could not be made fax-ready: ${check.reason}`);
    return { tiff, pages: check.pages, sourceType: 'pdf' };
  }
  throw unprocessable('the upload is neither a PDF nor a TIFF');
}
