// What the demo keeps between runs, next to its embedded database: the stream-token
// secret (so wallboard links survive a restart), the admin key, the webhook subscription
// of its receiver (reused, never piled up), the wallboard and agent panel links. Owner-only file: it
// holds secrets, demo ones.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DemoState {
  streamTokenSecret: string;
  adminKey?: string;
  webhook?: { id: string; secret: string; port: number };
  wallboardPath?: string;
  panelLink?: { id: string; url: string };
}

const FILE = 'demo-state.json';

export async function loadDemoState(dir: string): Promise<DemoState> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, FILE), 'utf8')) as Partial<DemoState>;
    if (typeof parsed.streamTokenSecret === 'string' && parsed.streamTokenSecret.length >= 32) return parsed as DemoState;
  } catch {
    // First run, or a file from elsewhere: start afresh.
  }
  return { streamTokenSecret: randomBytes(32).toString('base64url') };
}

export async function saveDemoState(dir: string, state: DemoState): Promise<void> {
  await writeFile(join(dir, FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
