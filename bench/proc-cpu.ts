// CPU seconds a process has spent (user + system), read from /proc: how the benchmarks
// account for the processes beside the one they run in (the service, the simulator,
// Postgres backends, Redis). Linux only.
import { readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds of `pid`, or 0 when it has exited. */
export async function procCpuSeconds(pid: number): Promise<number> {
  try {
    // The command name (field 2) may hold spaces; the fields after it are fixed.
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The sum over several processes (e.g. every Postgres backend of one database). */
export async function procsCpuSeconds(pids: number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) total += await procCpuSeconds(pid);
  return total;
}
