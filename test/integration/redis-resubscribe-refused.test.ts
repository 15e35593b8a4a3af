// A Redis that comes back refusing the event bus's channel (an ACL changed during the
// restart): the re-SUBSCRIBE that the Redis client sends on its own after the reconnect is
// refused. That refusal once surfaced as an unhandled rejection, which ends a Node process;
// now it is a warning an operator sees, and the instance goes on.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { RedisEventBus } from '../../src/events/redis-bus.js';
import { uniquePrefix } from '../helpers/redis.js';
import { freePort, startRedis, stopRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

let redis: ChildProcess;
let port: number;
let bus: RedisEventBus | undefined;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

beforeAll(async () => {
  port = await freePort();
  redis = await startRedis(port);
  process.on('unhandledRejection', onUnhandled);
});

afterAll(async () => {
  await bus?.close();
  process.off('unhandledRejection', onUnhandled);
  await stopRedis(redis);
});

it('warns, and does not crash, when Redis refuses the re-subscription after a restart', async () => {
  const lines: string[] = [];
  const log = createLogger('info', { write: (line: string) => void lines.push(line) });
  bus = new RedisEventBus({ redisUrl: `redis://127.0.0.1:${port}`, prefix: uniquePrefix('resub'), log });
  await bus.waitUntilSubscribed();

  await stopRedis(redis);
  // The default user keeps every key and command but no pub/sub channel.
  redis = await startRedis(port, { args: ['--user', 'default', 'on', 'nopass', '~*', 'resetchannels', '+@all'] });

  await waitFor('the refusal reported', () => lines.some((l) => l.includes('event bus could not subscribe') && l.includes('NOPERM')), 15_000);
  // The rejection, had it been unhandled, is reported after the turn that settled it.
  await new Promise((r) => setTimeout(r, 50));
  expect(unhandled).toEqual([]);
});
