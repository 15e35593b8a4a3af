// Checks that a TIFF is fax-ready (what SendFAX transmits as is): every page 1728 pixels
// wide, T.4/T.6 compressed (TIFF compression 3 or 4), at 204 dpi across and standard
// (98) or fine (196) lines per inch. Only the headers are read: a few lines of our own
// instead of an image library.

export const FAX_WIDTH = 1728;
export const MAX_PAGES = 50;

export type TiffCheck = { ok: true; pages: number; fine: boolean } | { ok: false; reason: string };

const TAG = { width: 256, length: 257, compression: 259, xres: 282, yres: 283, unit: 296 } as const;
/** The longest page fax machines print: US legal (14 in), with a little slack. */
const MAX_PAGE_INCHES = 14.5;

export function isTiff(b: Buffer): boolean {
  return b.length >= 8 && ((b[0] === 0x49 && b[1] === 0x49 && b.readUInt16LE(2) === 42) || (b[0] === 0x4d && b[1] === 0x4d && b.readUInt16BE(2) === 42));
}

export function isPdf(b: Buffer): boolean {
  return b.subarray(0, 5).toString('latin1') === '%PDF-';
}

interface Page {
  width?: number;
  length?: number;
  compression?: number;
  xres?: number;
  yres?: number;
  unit: number;
}

/** Reads every page's header; throws a reason when the file structure itself is broken. */
function readPages(b: Buffer): Page[] {
  const le = b[0] === 0x49;
  const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const inside = (o: number, n: number) => o >= 0 && o + n <= b.length;
  const pages: Page[] = [];
  const seen = new Set<number>();
  let ifd = u32(4);
  while (ifd !== 0) {
    if (seen.has(ifd)) throw new Error('the page list loops');
    seen.add(ifd);
    if (!inside(ifd, 2)) throw new Error('a page directory lies outside the file');
    const count = u16(ifd);
    if (!inside(ifd + 2, count * 12 + 4)) throw new Error('a page directory is cut short');
    const page: Page = { unit: 2 };
    for (let i = 0; i < count; i++) {
      const e = ifd + 2 + i * 12;
      const tag = u16(e);
      const type = u16(e + 2);
      const scalar = () => (type === 3 ? u16(e + 8) : u32(e + 8));
      const rational = () => {
        const at = u32(e + 8);
        if (!inside(at, 8)) throw new Error('a resolution value lies outside the file');
        const den = u32(at + 4);
        return den === 0 ? 0 : u32(at) / den;
      };
      if (tag === TAG.width) page.width = scalar();
      else if (tag === TAG.length) page.length = scalar();
      else if (tag === TAG.compression) page.compression = scalar();
      else if (tag === TAG.xres && type === 5) page.xres = rational();
      else if (tag === TAG.yres && type === 5) page.yres = rational();
      else if (tag === TAG.unit) page.unit = scalar();
    }
    pages.push(page);
    if (pages.length > MAX_PAGES) throw new Error(`more than ${MAX_PAGES} pages`);
    ifd = u32(ifd + 2 + count * 12);
  }
  return pages;
}

/** Dots per inch from a TIFF resolution and its unit (2 inch, 3 centimetre). */
function dpi(value: number | undefined, unit: number): number | undefined {
  if (value === undefined) return undefined;
  return unit === 3 ? value * 2.54 : value;
}

const near = (v: number | undefined, target: number, tolerance: number) => v !== undefined && Math.abs(v - target) <= tolerance;

export function checkFaxTiff(b: Buffer): TiffCheck {
  if (!isTiff(b)) return { ok: false, reason: 'not a TIFF file' };
  let pages: Page[];
  try {
    pages = readPages(b);
  } catch (err) {
    return { ok: false, reason: `unreadable TIFF: ${(err as Error).message}` };
  }
  if (pages.length === 0) return { ok: false, reason: 'the TIFF has no pages' };
  let fine = true;
  for (const [i, p] of pages.entries()) {
    const n = i + 1;
    if (p.width !== FAX_WIDTH) return { ok: false, reason: `page ${n} is ${p.width ?? 'of unknown'} pixels wide; fax pages are ${FAX_WIDTH}` };
    if (p.compression !== 3 && p.compression !== 4) return { ok: false, reason: `page ${n} is not T.4/T.6 (CCITT group 3/4) compressed` };
    const x = dpi(p.xres, p.unit);
    const y = dpi(p.yres, p.unit);
    if (!near(x, 204, 4)) return { ok: false, reason: `page ${n} has ${x?.toFixed(0) ?? 'no'} dpi across; fax needs 204` };
    if (near(y, 98, 3)) fine = false;
    else if (!near(y, 196, 6)) return { ok: false, reason: `page ${n} has ${y?.toFixed(0) ?? 'no'} lines per inch; fax needs 98 (standard) or 196 (fine)` };
    const inches = (p.length ?? 0) / y!;
    if (!(inches > 0) || inches > MAX_PAGE_INCHES) {
      return { ok: false, reason: `page ${n} is ${inches > 0 ? `${inches.toFixed(1)} in` : 'of unknown length'}; fax pages are at most ${MAX_PAGE_INCHES} in long` };
    }
  }
  return { ok: true, pages: pages.length, fine };
}
