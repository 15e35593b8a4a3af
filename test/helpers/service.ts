// The environment a test gives cti-bridge to run against the simulator, its own
// database and its own Redis prefix: the same variables an operator would set.
import type { Redis } from 'ioredis';
import type { Simulator } from '../../src/sim/index.js';
import { waitUntil } from './wait.js';
import { TEST_REDIS_URL } from './redis.js';

export function serviceEnv(
  sim: Simulator,
  databaseUrl: string,
  redisPrefix: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    PORT: '0',
    AMI_HOST: sim.ami!.host,
    AMI_PORT: String(sim.ami!.port),
    AMI_SECRET: 'cti-secret',
    ARI_URL: sim.ari.url,
    ARI_PASSWORD: 'cti-secret',
    LEASE_TTL_MS: '2000',
    // Test receivers (webhooks, connectors, CRMs) listen on loopback.
    OUTBOUND_ALLOW_HOSTS: '127.0.0.1,::1,localhost',
    ...overrides,
  };
}

/** Posts to the simulator's control API, as a test script or an integrator would. */
export async function simControl<T = unknown>(sim: Simulator, path: string, body: unknown = {}, method: 'POST' | 'PUT' = 'POST'): Promise<T> {
  const res = await fetch(`${sim.control.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`simulator ${path}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Waits until `instance` holds the lease of PBX node `pbx1` and answers its forwarded commands. */
export async function waitForNodeOwner(redis: Redis, redisPrefix: string, instance: string): Promise<void> {
  await waitUntil(async () => {
    const [, n] = (await redis.pubsub('NUMSUB', `${redisPrefix}:cmd:node:pbx1`)) as [string, number];
    return Number(n) === 1 && (await redis.get(`${redisPrefix}:lease:pbx:pbx1`)) === instance;
  }, `${instance} to own and serve the node`, 60_000);
}
