// The command bus on the real Redis: two buses stand for two instances, one serving a
// PBX node. A result and a problem come back as the owner produced them; nobody serving
// is a 503 at once; an owner that does not answer is a 504; a command that arrives after
// its sender gave up is never run; a node given up stays silent for its new owner.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemError } from '../../src/api/problem.js';
import { createLogger } from '../../src/log.js';
import { CommandBus, NoOwnerError } from '../../src/pbx/command-bus.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { freePort } from '../helpers/redis-server.js';
import { waitUntil } from '../helpers/wait.js';

const log = createLogger('silent');
const redis = new Redis(TEST_REDIS_URL);
const prefix = uniquePrefix('cmdbus');
const bus = (instanceId: string, timeoutMs = 2000) => new CommandBus({ redis, redisUrl: TEST_REDIS_URL, prefix, instanceId, timeoutMs, log });

const owner = bus('owner');
const sender = bus('sender', 800);
const ran: unknown[] = [];
let release: (() => void) | undefined;

beforeAll(async () => {
  owner.register('echo', async (pbxNode, args) => {
    ran.push(args);
    return { pbxNode, args };
  });
  owner.register('refuse', async () => {
    throw new ProblemError(409, 'the call is on hold already', { state: 'held' });
  });
  owner.register('crash', async () => {
    throw new Error('secret internals');
  });
  owner.register('stall', () => new Promise((resolve) => (release = () => resolve('late'))));
  await owner.start();
  await sender.start();
  await owner.serve('pbx1');
  await waitUntil(async () => Number(((await redis.pubsub('NUMSUB', `${prefix}:cmd:node:pbx1`)) as [string, number])[1]) === 1, 'the owner to serve pbx1');
});

afterAll(async () => {
  await owner.stop();
  await sender.stop();
  await redis.quit();
});

describe('command bus', () => {
  it("returns the owner's result", async () => {
    expect(await sender.send('pbx1', 'echo', { callId: 'c1', on: true })).toEqual({ pbxNode: 'pbx1', args: { callId: 'c1', on: true } });
  });

  it("rethrows the owner's problem unchanged, and hides an unexpected error behind a 500", async () => {
    const err = await sender.send('pbx1', 'refuse', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect((err as ProblemError).toProblem()).toEqual({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'the call is on hold already', state: 'held' });
    const crash = (await sender.send('pbx1', 'crash', {}).catch((e: unknown) => e)) as ProblemError;
    expect(crash.status).toBe(500);
    expect(crash.message).not.toContain('secret');
    const unknown = (await sender.send('pbx1', 'nope', {}).catch((e: unknown) => e)) as ProblemError;
    expect(unknown.status).toBe(500);
  });

  it('answers 503 at once for a node nobody serves, and tries the next node for "any"', async () => {
    const err = await sender.send('pbx2', 'echo', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoOwnerError);
    expect((err as ProblemError).status).toBe(503);
    expect(await sender.sendToAny(['pbx2', 'pbx1'], 'echo', { n: 1 })).toEqual({ pbxNode: 'pbx1', args: { n: 1 } });
  });

  it('answers 503 with a time to retry when Redis does not answer the sender', async () => {
    const dead = new Redis(`redis://127.0.0.1:${await freePort()}`, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
    dead.on('error', () => {});
    const cut = new CommandBus({ redis: dead, redisUrl: TEST_REDIS_URL, prefix, instanceId: 'cut-off', timeoutMs: 800, log });
    await cut.start();
    try {
      const err = (await cut.send('pbx1', 'echo', {}).catch((e: unknown) => e)) as ProblemError;
      expect(err).toBeInstanceOf(NoOwnerError);
      expect(err.toProblem()).toMatchObject({ status: 503, pbxNode: 'pbx1', retryAfterSeconds: 2 });
    } finally {
      await cut.stop();
      dead.disconnect();
    }
  });

  it('gives up with a 504 when the owner does not answer in time', async () => {
    const err = (await sender.send('pbx1', 'stall', {}).catch((e: unknown) => e)) as ProblemError;
    expect(err.status).toBe(504);
    release?.();
  });

  it('never runs a command whose sender already gave up', async () => {
    ran.length = 0;
    const stale = { id: 'stale', name: 'echo', args: { which: 'stale' }, replyTo: `${prefix}:nobody`, deadline: Date.now() - 1 };
    await redis.publish(`${prefix}:cmd:node:pbx1`, JSON.stringify(stale));
    await sender.send('pbx1', 'echo', { which: 'fresh' });
    // Messages on one channel arrive in order: the stale one was seen before the fresh one ran.
    expect(ran).toEqual([{ which: 'fresh' }]);
  });

  it('an instance that gave a node up stays silent for it', async () => {
    await owner.unserve('pbx1');
    const err = (await sender.send('pbx1', 'echo', {}).catch((e: unknown) => e)) as ProblemError;
    expect(err.status).toBe(503);
  });
});
