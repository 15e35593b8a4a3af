// The cross-instance event bus over real Redis pub/sub.
import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { parseBusMessage, RedisEventBus } from '../../src/events/redis-bus.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const buses: RedisEventBus[] = [];
const admin = new Redis(TEST_REDIS_URL);

function bus(prefix: string): RedisEventBus {
  const b = new RedisEventBus({ redisUrl: TEST_REDIS_URL, prefix });
  buses.push(b);
  return b;
}

function event(n: number): DomainEvent {
  return { id: randomUUID(), type: 'agent.state_changed', version: 1, occurredAt: new Date().toISOString(), data: { n } };
}


afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  admin.disconnect();
});

describe('RedisEventBus', () => {
  it('delivers every published event to every instance on the same prefix, and only those', async () => {
    const prefix = uniquePrefix('bus');
    const a = bus(prefix);
    const b = bus(prefix);
    const other = bus(uniquePrefix('bus'));
    await Promise.all([a, b, other].map((x) => x.waitUntilSubscribed()));
    const seenA: DomainEvent[] = [];
    const seenB: DomainEvent[] = [];
    const seenOther: DomainEvent[] = [];
    a.subscribe((e) => seenA.push(e));
    const unsubscribeB = b.subscribe((e) => seenB.push(e));
    other.subscribe((e) => seenOther.push(e));
    const e1 = event(1);
    await a.publish(e1);
    await waitFor('both instances', () => seenA.length === 1 && seenB.length === 1);
    expect(seenA[0]).toEqual(e1);
    expect(seenB[0]).toEqual(e1);

    unsubscribeB();
    const e2 = event(2);
    await b.publish(e2);
    await waitFor('a gets e2', () => seenA.length === 2);
    expect(seenB).toHaveLength(1);
    expect(seenOther).toHaveLength(0);
  });

  it('delivers a batch published together as separate events, in order', async () => {
    const prefix = uniquePrefix('bus');
    const a = bus(prefix);
    const b = bus(prefix);
    await Promise.all([a, b].map((x) => x.waitUntilSubscribed()));
    const seen: DomainEvent[] = [];
    b.subscribe((e) => seen.push(e));
    const batch = Array.from({ length: 25 }, (_, i) => event(i));
    await a.publishMany(batch);
    await waitFor('the whole batch', () => seen.length === 25);
    expect(seen).toEqual(batch);
  });

  it('counts and skips malformed messages without disturbing listeners', async () => {
    const prefix = uniquePrefix('bus');
    const a = bus(prefix);
    await a.waitUntilSubscribed();
    const seen: DomainEvent[] = [];
    a.subscribe(() => {
      throw new Error('a broken listener');
    });
    a.subscribe((e) => seen.push(e));
    for (const junk of ['not json', '42', '{"id":"x","type":"call.exploded","occurredAt":"now","data":{}}', 'null']) {
      await admin.publish(a.channel, junk);
    }
    const good = event(3);
    await admin.publish(a.channel, JSON.stringify(good));
    await waitFor('the good one', () => seen.length === 1);
    expect(seen[0]).toEqual(good);
    expect(a.malformed).toBe(4);
  });

  it('resubscribes after its subscriber connection is dropped', async () => {
    const prefix = uniquePrefix('bus');
    const a = bus(prefix);
    await a.waitUntilSubscribed();
    const seen = new Set<string>();
    a.subscribe((e) => seen.add(e.id));
    const id = await a.subscriberClientId();
    expect(await admin.call('CLIENT', 'KILL', 'ID', String(id))).toBe(1);
    // Pub/sub keeps nothing for absent subscribers, so publish until one arrives.
    const sent: string[] = [];
    await waitFor('an event after reconnecting', async () => {
      const e = event(sent.length);
      sent.push(e.id);
      await admin.publish(a.channel, JSON.stringify(e));
      await new Promise((r) => setTimeout(r, 30));
      return seen.size > 0;
    });
    expect(await a.subscriberClientId()).not.toBe(id);
  });

  it('parses only well-formed catalogue events', () => {
    const e = event(4);
    expect(parseBusMessage(JSON.stringify(e))).toEqual(e);
    expect(parseBusMessage(JSON.stringify({ ...e, type: 'nope' }))).toBeUndefined();
    expect(parseBusMessage(JSON.stringify({ ...e, data: null }))).toBeUndefined();
    expect(parseBusMessage('[')).toBeUndefined();
  });
});
