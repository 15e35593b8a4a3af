// Runs a Lua script by its SHA1, sending the body only when Redis does not know it yet
// (a restart or SCRIPT FLUSH empties its cache). Every agent change and offer runs one:
// the body each time was bytes on the socket and a hash in Redis for every command.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

const shas = new Map<string, string>();

function sha1(script: string): string {
  let sha = shas.get(script);
  if (!sha) shas.set(script, (sha = createHash('sha1').update(script).digest('hex')));
  return sha;
}

export async function runScript(redis: Redis, script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown> {
  try {
    return await redis.evalsha(sha1(script), numKeys, ...args);
  } catch (err) {
    if (!(err as Error).message?.startsWith('NOSCRIPT')) throw err;
    return redis.eval(script, numKeys, ...args);
  }
}
