// The simulator in a process of its own (bench/ivr-load-pbx.ts), as a PBX across the
// network is: started once per bench, with the environment a service needs to reach it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TEST_REDIS_URL } from '../test/helpers/redis.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The far simulator's addresses, as its first line of output gives them. */
export interface FarPbx {
  ari: string;
  ami: { host: string; port: number };
  control: string;
  crm: string;
}

/** Starts the simulator process (its arguments: the prompt length in ms) and reads its addresses. */
export async function startFarPbx(args: string[] = []): Promise<{ process: ChildProcess; far: FarPbx }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ivr-load-pbx.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { process: child, far: JSON.parse(line) as FarPbx };
}

/** Ends the simulator process and waits for it to go. */
export async function stopFarPbx(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await once(child, 'exit').catch(() => undefined);
}

/** What a service needs to drive the far simulator: an operator's variables, production logging. */
export function farServiceEnv(far: Pick<FarPbx, 'ami' | 'ari'>, databaseUrl: string, redisPrefix: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    PORT: '0',
    AMI_HOST: far.ami.host,
    AMI_PORT: String(far.ami.port),
    AMI_SECRET: 'cti-secret',
    ARI_URL: far.ari,
    ARI_PASSWORD: 'cti-secret',
    LOG_LEVEL: 'info',
  };
}

/** A call placed or acted on through the simulator's control API. */
export async function farControl(far: FarPbx, path: string, body: unknown): Promise<{ channelId?: string }> {
  const res = await fetch(`${far.control}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`simulator ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as { channelId?: string }) : {};
}
