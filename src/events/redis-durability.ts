// What Redis must keep for nothing to be lost: BullMQ jobs, ACD live state and reservations,
// leases. With `appendonly no` a Redis restart empties it (the sweepers and the ACD's resync
// recover, but only after a delay); with an evicting `maxmemory-policy` Redis may drop jobs
// silently. The service still starts — a development Redis is often run without either —
// but says so once, loudly, at start.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';

/** The settings that fall short, in words; empty when Redis is run as docs/operations.md says. */
export function durabilityShortfalls(settings: Record<string, string>): string[] {
  const out: string[] = [];
  const aof = settings['appendonly'];
  if (aof !== undefined && aof !== 'yes') out.push('appendonly is "no": a Redis restart loses queued jobs and the ACD\'s live state');
  const policy = settings['maxmemory-policy'];
  if (policy !== undefined && policy !== 'noeviction') out.push(`maxmemory-policy is "${policy}": Redis may evict queued jobs; use noeviction`);
  return out;
}

/** CONFIG GET pairs as a map (ioredis answers a flat list). */
function pairs(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(list)) return out;
  for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = String(list[i + 1]);
  return out;
}

export async function checkRedisDurability(redis: Pick<Redis, 'config'>, log: Logger): Promise<string[]> {
  let settings: Record<string, string>;
  try {
    const [aof, policy] = await Promise.all([redis.config('GET', 'appendonly'), redis.config('GET', 'maxmemory-policy')]);
    settings = { ...pairs(aof), ...pairs(policy) };
  } catch (err) {
    // Managed Redis often renames or forbids CONFIG: nothing to read, nothing to claim.
    log.warn({ err: (err as Error).message }, 'could not read the Redis persistence settings (CONFIG GET); make sure AOF is on and maxmemory-policy is noeviction');
    return [];
  }
  const shortfalls = durabilityShortfalls(settings);
  for (const s of shortfalls) log.warn({ redis: s }, 'Redis is not run as required for durability');
  return shortfalls;
}
