// PDF -> fax-ready TIFF through Ghostscript (Debian package `ghostscript`): its tiffg4
// device writes CCITT G4 pages, 204x196 dpi, forced to the fax width of 1728 pixels and
// an A4-long page, the content scaled to fit.
//
// An uploaded PDF is hostile input to a large interpreter, so Ghostscript runs boxed:
// -dSAFER (no file access but the input and the output, no device or pipe tricks), in its
// own empty working folder with an empty environment (no secrets of ours to read), under
// prlimit (address space and output file size, so a page bomb dies in the kernel rather
// than taking the machine), in its own process group that a wall-clock timer kills whole.
// What a caller learns of a failure is one of a few fixed sentences: Ghostscript's own
// messages quote the folder it ran in.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConversionLimits } from '../config.js';

export class ConversionUnavailable extends Error {}

export type ConversionFailure = 'timeout' | 'output_too_large' | 'failed';

/** A conversion that did not produce a TIFF; `message` is safe to show, `diagnostic` is for the log. */
export class ConversionFailed extends Error {
  constructor(
    readonly reason: ConversionFailure,
    message: string,
    readonly diagnostic = '',
  ) {
    super(message);
  }
}

const GS_ARGS = ['-q', '-dSAFER', '-dBATCH', '-dNOPAUSE', '-dPDFSTOPONERROR', '-sDEVICE=tiffg4', '-r204x196', '-g1728x2292', '-dFIXEDMEDIA', '-dPDFFitPage'];

export type GsLimits = Pick<ConversionLimits, 'timeoutMs' | 'maxMemoryBytes' | 'maxOutputBytes'>;

export interface ConversionHooks {
  /** Called with the process group id once Ghostscript runs (tests check it is gone after). */
  onSpawn?(pgid: number): void;
}

export async function pdfToFaxTiff(pdf: Buffer, limits: GsLimits, hooks: ConversionHooks = {}): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'cti-fax-'));
  try {
    await writeFile(join(dir, 'in.pdf'), pdf);
    await runGhostscript(dir, limits, hooks);
    return await readFile(join(dir, 'out.tif'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runGhostscript(dir: string, limits: GsLimits, hooks: ConversionHooks): Promise<void> {
  const argv = [`--as=${limits.maxMemoryBytes}`, `--fsize=${limits.maxOutputBytes}`, '--', 'gs', ...GS_ARGS, '-sOutputFile=out.tif', 'in.pdf'];
  return new Promise((resolve, reject) => {
    // Relative names in its own folder: the command line names no path of this machine.
    const child = spawn('prlimit', argv, { cwd: dir, detached: true, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk;
    });
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, limits.timeoutMs);
    child.on('spawn', () => child.pid && hooks.onSpawn?.(child.pid));
    child.on('error', (err) => {
      clearTimeout(timer);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') reject(new ConversionUnavailable('PDF conversion needs Ghostscript (gs) and prlimit, which are not installed'));
      else reject(new ConversionFailed('failed', 'the PDF could not be converted', err.message));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Whatever Ghostscript left behind in its group goes with it.
      killGroup();
      const diagnostic = firstLine(stderr, dir);
      if (timedOut) return reject(new ConversionFailed('timeout', `the PDF conversion took longer than ${limits.timeoutMs / 1000} s and was stopped`, diagnostic));
      if (signal === 'SIGXFSZ') return reject(new ConversionFailed('output_too_large', `the converted document would exceed ${limits.maxOutputBytes} bytes`, diagnostic));
      if (code === 0) return resolve();
      if (code === 127 && /failed to execute/.test(stderr)) {
        return reject(new ConversionUnavailable('PDF conversion needs Ghostscript (gs), which is not installed'));
      }
      reject(new ConversionFailed('failed', `the PDF could not be converted: Ghostscript refused it (damaged, unsupported, or needing more than ${Math.round(limits.maxMemoryBytes / 1_048_576)} MiB)`, diagnostic));
    });
  });
}

/** Ghostscript's first complaint, with the working folder taken out, for the log. */
function firstLine(stderr: string, dir: string): string {
  const line = stderr.split('\n').find((l) => l.trim()) ?? '';
  return line.split(dir).join('.').slice(0, 200);
}
