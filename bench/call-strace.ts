// System calls of the service over the per-call benchmark's measured window, for
// `BENCH_STRACE=1` runs: `strace -f -c` attached to the service's process at the window's
// start and detached at its end, its summary divided by the calls. Counts do not depend on
// the machine's load, unlike CPU; tracing slows the service, so a traced run's
// milliseconds are not comparable with an untraced one.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SyscallTrace {
  stop(calls: number): Promise<{ totalPerCall: number; perCall: Record<string, number> }>;
}

export async function traceSyscalls(pid: number): Promise<SyscallTrace> {
  const dir = mkdtempSync(join(tmpdir(), 'call-strace-'));
  const out = join(dir, 'summary.txt');
  const child: ChildProcess = spawn('strace', ['-f', '-c', '-o', out, '-p', String(pid)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Attaching to every thread takes a moment; calls placed before it would go uncounted.
  await new Promise((r) => setTimeout(r, 500));
  return {
    async stop(calls) {
      child.kill('SIGINT');
      await exited;
      const perCall: Record<string, number> = {};
      let total = 0;
      for (const line of readFileSync(out, 'utf8').split('\n')) {
        const cols = line.trim().split(/\s+/);
        // % time, seconds, usecs/call, calls, [errors,] syscall
        if (cols.length < 5 || !/^\d/.test(cols[0]!) || cols.at(-1) === 'total') continue;
        const n = Number(cols[3]);
        const name = cols.at(-1)!;
        if (!Number.isFinite(n)) continue;
        total += n;
        perCall[name] = Math.round((n / calls) * 10) / 10;
      }
      rmSync(dir, { recursive: true, force: true });
      const sorted = Object.fromEntries(Object.entries(perCall).filter(([, n]) => n >= 0.1).sort((a, b) => b[1] - a[1]));
      return { totalPerCall: Math.round((total / calls) * 10) / 10, perCall: sorted };
    },
  };
}
