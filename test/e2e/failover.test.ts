// Two instances against one PBX: only the lease owner drives the node. Killing the owner
// (SIGKILL: no goodbye, the lease just lapses) hands the node to the other instance,
// which resyncs and finishes the call in progress: one call, one CDR, each event once.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { waitUntil } from '../helpers/receiver.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('several instances', () => {
  let t: TestDatabase;
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let a: ChildProcess | undefined;
  let b: Service | undefined;
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = uniquePrefix('failover');

  const env = (instance: string): Record<string, string> =>
    serviceEnv(sim, t.url, prefix, {
      LEASE_TTL_MS: '1500',
      // a long greeting, so the owner dies in the middle of it
      GREETING_MEDIA: 'sound:tt-monkeys',
      INSTANCE_ID: instance,
      LOG_LEVEL: 'silent',
    });

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({});
  });

  afterAll(async () => {
    a?.kill('SIGKILL');
    await b?.stop();
    await sim?.close();
    await redis.quit();
    await t?.drop();
  });

  it('moves the PBX node to the survivor when the owner is killed, and the call completes once', async () => {
    a = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env('instance-a') },
      stdio: 'ignore',
    });
    const leaseKey = `${prefix}:lease:pbx:pbx1`;
    // A child process compiles TypeScript at start: give it time on a loaded machine.
    await waitUntil(async () => (await redis.get(leaseKey)) === 'instance-a', 'instance A to own the node', 60_000);

    b = await startService(loadConfig(env('instance-b')), createLogger('silent'));
    expect(b.nodes[0]!.isOwner).toBe(false);

    await simControl(sim, '/calls', { from: '+15551239999', to: '100' });
    let callId = '';
    await waitUntil(async () => {
      const { rows } = await t.db.query("SELECT id FROM calls WHERE state = 'answered'");
      callId = rows[0]?.id ?? '';
      return callId !== '';
    }, 'instance A to answer the call');
    expect(b.nodes[0]!.isOwner).toBe(false);

    a.kill('SIGKILL');
    await waitUntil(() => b!.nodes[0]!.isOwner, 'instance B to take the node over', 10_000);
    await waitUntil(async () => {
      const { rows } = await t.db.query('SELECT state FROM calls WHERE id = $1', [callId]);
      return rows[0]?.state === 'ended';
    }, 'the call to end on instance B', 20_000);

    const { rows } = await t.db.query(
      "SELECT type, count(*)::int AS n FROM outbox WHERE payload->>'callId' = $1 GROUP BY type ORDER BY type",
      [callId],
    );
    expect(rows).toEqual([
      { type: 'call.answered', n: 1 },
      { type: 'call.created', n: 1 },
      { type: 'call.ended', n: 1 },
      { type: 'cdr.created', n: 1 },
    ]);
    const cdr = await t.db.query('SELECT disposition, hangup_cause FROM cdrs WHERE call_id = $1', [callId]);
    expect(cdr.rows).toEqual([{ disposition: 'answered', hangup_cause: 16 }]);
  }, 120_000);
});
