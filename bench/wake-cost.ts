// What a wake-up costs on this machine: the CPU one process spends per round trip to
// Postgres and to Redis, and per timer, when it sleeps in between (as a quiet instance
// does between a call's steps) against the same round trips back to back. The ratio is
// the price of waking, which the per-call figure pays once per event-loop turn
// (call-cpu's `serviceLoopTurnsPerCall`): a calibration for reading it, with no target.
// Run alone: npx tsx bench/wake-cost.ts
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { ADMIN_DATABASE_URL } from '../test/helpers/db.js';
import { TEST_REDIS_URL } from '../test/helpers/redis.js';
import type { BenchResult } from './types.js';

const GAP_MS = 10;
const HOT = 3_000;
const PACED = 300;

async function cpuMicrosPer(n: number, gapMs: number, op: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    await op();
    if (gapMs) await sleep(gapMs);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

export async function run(): Promise<BenchResult> {
  const pool = new pg.Pool({ connectionString: ADMIN_DATABASE_URL, max: 1 });
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const query = () => pool.query('SELECT $1::int AS n, now() AS at', [1]);
    const ping = () => redis.ping();
    // Warm both paths first, so neither side pays for compiling them.
    await cpuMicrosPer(HOT, 0, query);
    await cpuMicrosPer(HOT, 0, ping);
    const timer = await cpuMicrosPer(PACED, GAP_MS, async () => {});
    const pgHot = await cpuMicrosPer(HOT, 0, query);
    const pgPaced = (await cpuMicrosPer(PACED, GAP_MS, query)) - timer;
    const redisHot = await cpuMicrosPer(HOT, 0, ping);
    const redisPaced = (await cpuMicrosPer(PACED, GAP_MS, ping)) - timer;
    const round = (x: number) => Math.round(x * 10) / 10;
    console.error(JSON.stringify({ microsPer: { timerWake: round(timer), postgresHot: round(pgHot), postgresAfterSleep: round(pgPaced), redisHot: round(redisHot), redisAfterSleep: round(redisPaced) } }));
    return {
      name: `wake-cost: CPU per Postgres round trip ${GAP_MS} ms after the last (net of the timer's ${round(timer)} µs) vs back to back`,
      baseline: { label: 'back to back, µs', perSecond: round(pgHot), unit: 'µs' },
      subject: { label: 'after a sleep, µs', perSecond: round(pgPaced), unit: 'µs' },
      ratio: pgPaced / pgHot,
      target: 'calibration (no target)',
      pass: true,
    };
  } finally {
    redis.disconnect();
    await pool.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(await run(), null, 2));
