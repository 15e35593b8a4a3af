import { describe, expect, it } from 'vitest';
import { checkFaxTiff, isPdf, isTiff, MAX_PAGES } from '../../src/fax/tiff.js';
import { makePdf, makeTiff } from '../helpers/fax-files.js';

describe('checkFaxTiff', () => {
  it('accepts fine and standard fax pages and counts them', () => {
    expect(checkFaxTiff(makeTiff([{}, {}, {}]))).toEqual({ ok: true, pages: 3, fine: true });
    expect(checkFaxTiff(makeTiff([{ yres: 98 }]))).toEqual({ ok: true, pages: 1, fine: false });
    // Resolution in centimetres (8 x 7.7 per mm) reads the same.
    expect(checkFaxTiff(makeTiff([{ unit: 3, xres: 80.3, yres: 77 }]))).toMatchObject({ ok: true, pages: 1 });
  });

  it('refuses pages of the wrong width, compression or resolution, naming the page', () => {
    expect(checkFaxTiff(makeTiff([{}, { width: 2480 }]))).toEqual({ ok: false, reason: 'page 2 is 2480 pixels wide; fax pages are 1728' });
    expect(checkFaxTiff(makeTiff([{ compression: 1 }]))).toMatchObject({ ok: false, reason: expect.stringContaining('not T.4/T.6') });
    expect(checkFaxTiff(makeTiff([{ xres: 300 }]))).toMatchObject({ ok: false, reason: expect.stringContaining('300 dpi across') });
    expect(checkFaxTiff(makeTiff([{ yres: 150 }]))).toMatchObject({ ok: false, reason: expect.stringContaining('150 lines per inch') });
    expect(checkFaxTiff(makeTiff([{ length: 196 * 20 }]))).toEqual({ ok: false, reason: 'page 1 is 20.0 in; fax pages are at most 14.5 in long' });
  });

  it('refuses too many pages and broken files', () => {
    expect(checkFaxTiff(makeTiff(Array.from({ length: MAX_PAGES + 1 }, () => ({}))))).toMatchObject({ ok: false, reason: expect.stringContaining(`more than ${MAX_PAGES} pages`) });
    const cut = makeTiff([{}]).subarray(0, 20);
    expect(checkFaxTiff(cut)).toMatchObject({ ok: false, reason: expect.stringContaining('unreadable TIFF') });
    const loop = makeTiff([{}]);
    loop.writeUInt32LE(8, 8 + 2 + 6 * 12); // the page points back at itself
    expect(checkFaxTiff(loop)).toMatchObject({ ok: false, reason: expect.stringContaining('loops') });
    expect(checkFaxTiff(Buffer.from('hello world'))).toEqual({ ok: false, reason: 'not a TIFF file' });
  });

  it('tells PDF and TIFF apart by their bytes', () => {
    expect(isPdf(makePdf(1))).toBe(true);
    expect(isTiff(makePdf(1))).toBe(false);
    expect(isTiff(makeTiff([{}]))).toBe(true);
  });
});
