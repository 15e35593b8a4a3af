// The processes a fault run owns and may kill: a Redis and a Postgres of its own (never
// the machine's shared ones), the PBX simulator and the service instances, all on
// loopback ports it picked.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedis } from '../test/helpers/redis-server.js';

export { freePort };

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `cti-faults-${label}-`));
}

/** Resolves when `pattern` appears on the process's output; rejects if it exits first. */
function readyOn(proc: ChildProcess, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} not ready within ${timeoutMs} ms: ${out.slice(-2000)}`)), timeoutMs);
    const onData = (b: Buffer) => {
      out = (out + b.toString()).slice(-20_000);
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready: ${out.slice(-2000)}`));
    });
  });
}

export async function kill(proc: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill(signal);
  await exited;
}

export class RedisProc {
  proc: ChildProcess | undefined;
  dir = tempDir('redis');
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** AOF on, as docs/operations.md asks; `fresh` starts from an empty directory (data lost). */
  async start(fresh = false): Promise<void> {
    if (fresh) {
      rmSync(this.dir, { recursive: true, force: true });
      this.dir = tempDir('redis');
    }
    this.proc = await startRedis(this.port, { appendonly: true, dir: this.dir });
  }

  async kill(): Promise<void> {
    await kill(this.proc);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A throw-away Postgres cluster (initdb), run as the postgres user when we are root. */
export class PostgresProc {
  readonly dir = tempDir('pg');
  private readonly bin: string;
  constructor(readonly port: number) {
    const versions = execFileSync('ls', ['/usr/lib/postgresql']).toString().trim().split('\n').sort();
    this.bin = `/usr/lib/postgresql/${versions.at(-1)}/bin`;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(cmd: string, args: string[]): void {
    const asRoot = process.getuid?.() === 0;
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', `${this.bin}/${cmd}`, ...args]] : [`${this.bin}/${cmd}`, args];
    execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  init(): void {
    if (process.getuid?.() === 0) {
      chmodSync(this.dir, 0o777);
      execFileSync('chown', ['postgres', this.dir]);
    }
    this.run('initdb', ['-D', join(this.dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  }

  start(): void {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-o', opts, '-l', join(this.dir, 'log'), '-w', 'start']);
  }

  /** `immediate`: like a crash (no checkpoint, clients cut off). */
  stop(mode: 'fast' | 'immediate' = 'immediate'): void {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
  }

  remove(): void {
    try {
      this.stop('immediate');
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A TypeScript entry point of this repository as its own process (service, simulator). */
/** Without `ready` it returns at once (the caller polls the process's own health check). */
export async function spawnTs(entry: string, env: Record<string, string>, what: string, ready?: RegExp): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // FAULTS_LOG_DIR keeps each process's output from its first line (the service logs at
  // FAULTS_LOG_LEVEL) to read after a run.
  const logDir = process.env.FAULTS_LOG_DIR;
  if (logDir) {
    const file = createWriteStream(join(logDir, `${what.replace(/[^a-z0-9-]/gi, '_')}-${proc.pid}.log`));
    proc.stdout?.pipe(file);
    proc.stderr?.pipe(file);
  }
  if (ready) await readyOn(proc, ready, what, 120_000);
  // Keep draining the output so the child never blocks on a full pipe.
  if (!logDir) {
    proc.stdout?.resume();
    proc.stderr?.resume();
  }
  return proc;
}
