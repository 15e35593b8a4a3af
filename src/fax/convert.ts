// PDF -> fax-ready TIFF through Ghostscript (Debian package `ghostscript`): its tiffg4
// device writes CCITT G4 pages, 204x196 dpi, forced to the fax width of 1728 pixels and
// an A4-long page, the content scaled to fit.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class ConversionUnavailable extends Error {}

const GS_ARGS = ['-q', '-dSAFER', '-dBATCH', '-dNOPAUSE', '-sDEVICE=tiffg4', '-r204x196', '-g1728x2292', '-dFIXEDMEDIA', '-dPDFFitPage'];

export async function pdfToFaxTiff(pdf: Buffer, timeoutMs = 60_000): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'cti-fax-'));
  try {
    const input = join(dir, 'in.pdf');
    const output = join(dir, 'out.tif');
    await writeFile(input, pdf);
    await new Promise<void>((resolve, reject) => {
      execFile('gs', [...GS_ARGS, `-sOutputFile=${output}`, input], { timeout: timeoutMs }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new ConversionUnavailable('PDF conversion needs Ghostscript (gs), which is not installed'));
        reject(new Error(`the PDF could not be converted: ${String(stderr).trim().split('\n')[0] || err.message}`));
      });
    });
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
