// Log lines gathered for a moment and written together: on a busy call centre a write
// per line is a system call per line, as costly as the line's work. Lines wait at most
// `flushMs` (or until `maxBytes` gather) and are always written before the process
// exits, a fatal error included; only a kill that gives no chance to run (SIGKILL, the
// OOM killer) loses the last `flushMs` of them. An idle service arms no timer.
import { writeSync } from 'node:fs';

export interface BufferedLogOptions {
  /** File descriptor to write to (1: stdout). */
  fd: number;
  /** Longest a line waits; 0 writes each line at once. */
  flushMs: number;
  /** Written at once when this much has gathered. */
  maxBytes?: number;
}

export interface BufferedLog {
  write(line: string): void;
  /** Writes what is waiting now. */
  flush(): void;
}

export function bufferedLog(o: BufferedLogOptions): BufferedLog {
  const maxBytes = o.maxBytes ?? 64 * 1024;
  let pending: string[] = [];
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!pending.length) return;
    const text = pending.join('');
    pending = [];
    bytes = 0;
    writeAll(o.fd, Buffer.from(text));
  };
  process.on('exit', flush);
  return {
    write(line: string) {
      pending.push(line);
      bytes += line.length;
      if (o.flushMs <= 0 || bytes >= maxBytes) flush();
      else if (!timer) {
        timer = setTimeout(flush, o.flushMs);
        timer.unref();
      }
    },
    flush,
  };
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err) {
      // A full pipe (stdout read slowly) says EAGAIN: try again, as a line-per-write logger would block.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
    }
  }
}
