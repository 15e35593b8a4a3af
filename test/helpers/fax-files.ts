// Documents for fax tests, made here: a small PDF with N pages of text, and TIFF headers
// with chosen width, compression and resolution (the pixel data is not read by anyone).

export function makePdf(pages: number): Buffer {
  const objs = ['<</Type/Catalog/Pages 2 0 R>>'];
  const kids = Array.from({ length: pages }, (_, i) => `${3 + i * 2} 0 R`).join(' ');
  objs.push(`<</Type/Pages/Kids[${kids}]/Count ${pages}>>`);
  for (let i = 0; i < pages; i++) {
    const content = `BT /F1 24 Tf 72 720 Td (Price list page ${i + 1}) Tj ET 72 600 m 500 100 l S`;
    objs.push(`<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>/Contents ${4 + i * 2} 0 R>>`);
    objs.push(`<</Length ${content.length}>>\nstream\n${content}\nendstream`);
  }
  return pdfOf(objs);
}

/**
 * A small file that is slow to render: every page draws the same stream of `curves`
 * Bezier strokes (about 0.15 s of Ghostscript per page at 2000 curves on a quiet core).
 */
export function makeHeavyPdf(pages: number, curves = 2000): Buffer {
  let content = '';
  for (let i = 0; i < curves; i++) content += `${i % 500} ${(i * 7) % 800} m ${(i * 13) % 600} ${(i * 3) % 800} ${(i * 11) % 600} ${(i * 5) % 800} ${(i * 17) % 600} ${(i * 19) % 800} c S\n`;
  const kids = Array.from({ length: pages }, (_, i) => `${4 + i} 0 R`).join(' ');
  const objs = ['<</Type/Catalog/Pages 2 0 R>>', `<</Type/Pages/Kids[${kids}]/Count ${pages}>>`, `<</Length ${content.length}>>\nstream\n${content}\nendstream`];
  for (let i = 0; i < pages; i++) objs.push('<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 3 0 R>>');
  return pdfOf(objs);
}

function pdfOf(objs: string[]): Buffer {
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<</Size ${objs.length + 1}/Root 1 0 R>>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export interface TiffPage {
  width?: number;
  /** Rows; default an A4 page (11.7 in) at the page's resolution. */
  length?: number;
  compression?: number;
  xres?: number;
  yres?: number;
  /** 2 inch (default), 3 centimetre. */
  unit?: number;
}

/** A little-endian TIFF with one directory per page (tags sorted, as the format wants). */
export function makeTiff(pages: TiffPage[]): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  parts.push(header);
  let offset = 8;
  header.writeUInt32LE(offset, 4);
  pages.forEach((p, i) => {
    const entries: Array<[number, number, number]> = []; // tag, type, value (or rational offset placeholder)
    const width = p.width ?? 1728;
    const length = p.length ?? Math.round(11.7 * (p.unit === 3 ? (p.yres ?? 77) * 2.54 : (p.yres ?? 196)));
    entries.push([256, 3, width], [257, 3, length], [259, 3, p.compression ?? 4], [282, 5, 0], [283, 5, 0], [296, 3, p.unit ?? 2]);
    const ifdSize = 2 + entries.length * 12 + 4;
    const ifd = Buffer.alloc(ifdSize + 16);
    ifd.writeUInt16LE(entries.length, 0);
    const rationals = offset + ifdSize;
    entries.forEach(([tag, type, value], k) => {
      const e = 2 + k * 12;
      ifd.writeUInt16LE(tag, e);
      ifd.writeUInt16LE(type, e + 2);
      ifd.writeUInt32LE(1, e + 4);
      if (type === 5) ifd.writeUInt32LE(rationals + (tag === 282 ? 0 : 8), e + 8);
      else ifd.writeUInt16LE(value, e + 8);
    });
    const next = i < pages.length - 1 ? offset + ifd.length : 0;
    ifd.writeUInt32LE(next, 2 + entries.length * 12);
    ifd.writeUInt32LE(Math.round((p.xres ?? 204) * 100), ifdSize);
    ifd.writeUInt32LE(100, ifdSize + 4);
    ifd.writeUInt32LE(Math.round((p.yres ?? 196) * 100), ifdSize + 8);
    ifd.writeUInt32LE(100, ifdSize + 12);
    parts.push(ifd);
    offset += ifd.length;
  });
  return Buffer.concat(parts);
}
