// A private redis-server per test, so tests can kill and restart Redis without
// disturbing the shared one (started without persistence unless asked: a restart then
// loses every job).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface RedisOptions {
  /** AOF on, in `dir`: a restart in the same directory keeps the data (as docs/operations.md asks). */
  appendonly?: boolean;
  /** A working directory the caller keeps (and removes) across restarts; a fresh one otherwise. */
  dir?: string;
  /** More command-line directives, e.g. a `--user` ACL. */
  args?: string[];
}

/** A working directory for a Redis the caller restarts with its data. */
export function redisDir(): string {
  return mkdtempSync(join(tmpdir(), 'cti-test-redis-'));
}

export async function startRedis(port: number, o: RedisOptions = {}): Promise<ChildProcess> {
  // Its own working directory: a test that turns AOF on must not write into the checkout.
  const dir = o.dir ?? redisDir();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', o.appendonly ? 'yes' : 'no', '--dir', dir, ...(o.args ?? [])];
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // A killed server's AOF rewrite child can still be writing here: retried, and a leftover
  // temporary directory is no failure of the test.
  if (!o.dir) proc.once('exit', () => { try { rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }); } catch { /* left to the OS's tmp cleaning */ } });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) resolve();
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  proc.stdout!.resume();
  return proc;
}

export async function stopRedis(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGKILL');
  await exited;
}
