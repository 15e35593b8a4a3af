// The start-up warning reads the real server's settings: a Redis run without AOF is named.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { checkRedisDurability } from '../../src/events/redis-durability.js';
import { createLogger } from '../../src/log.js';
import { freePort, startRedis, stopRedis } from '../helpers/redis-server.js';

describe('Redis durability at start', () => {
  it('warns about a Redis without AOF, and not once AOF is on', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const server = await startRedis(port); // --appendonly no
    const redis = new Redis({ port, host: '127.0.0.1' });
    try {
      const log = createLogger('silent');
      expect((await checkRedisDurability(redis, log)).join('\n')).toMatch(/appendonly is "no"/);
      await redis.config('SET', 'appendonly', 'yes');
      expect(await checkRedisDurability(redis, log)).toEqual([]);
    } finally {
      redis.disconnect();
      await stopRedis(server);
    }
  });
});
