// The event bus across instances: every instance publishes what its relay moved and
// every instance's WebSocket stream hears all of it, over Redis pub/sub.
import { Redis, ReplyError } from 'ioredis';
import type { Logger } from '../log.js';
import type { EventBus, EventListener } from './bus.js';
import { isEventType, type DomainEvent } from './catalogue.js';

export interface RedisEventBusOptions {
  redisUrl: string;
  prefix: string;
  log?: Logger;
}

/** Rejects anything that is not a well-formed event: a foreign publisher must not crash listeners. */
export function parseBusMessage(message: string): DomainEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(message);
  } catch {
    return undefined;
  }
  return Array.isArray(v) ? undefined : asEvent(v);
}

/**
 * A message is one event or, from publishMany, an array of events in order: each
 * element is checked alone, and the well-formed ones delivered. `malformed` counts the rest.
 */
export function parseBusBatch(message: string): { events: DomainEvent[]; malformed: number } {
  let v: unknown;
  try {
    v = JSON.parse(message);
  } catch {
    return { events: [], malformed: 1 };
  }
  const items = Array.isArray(v) ? v : [v];
  const events: DomainEvent[] = [];
  for (const item of items) {
    const e = asEvent(item);
    if (e) events.push(e);
  }
  return { events, malformed: Math.max(items.length - events.length, items.length === 0 ? 1 : 0) };
}

function asEvent(v: unknown): DomainEvent | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Partial<DomainEvent>;
  if (typeof e.id !== 'string' || typeof e.type !== 'string' || !isEventType(e.type)) return undefined;
  if (typeof e.occurredAt !== 'string' || typeof e.data !== 'object' || e.data === null) return undefined;
  return e as DomainEvent;
}

export class RedisEventBus implements EventBus {
  readonly channel: string;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly listeners = new Set<EventListener>();
  private readonly ready: Promise<void>;
  private closed = false;
  private readonly subName: string;
  /** Messages that were not events (counted, never thrown). */
  malformed = 0;

  constructor(private readonly opts: RedisEventBusOptions) {
    this.channel = `${opts.prefix}:events`;
    this.pub = new Redis(opts.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (n) => Math.min(100 * n, 2_000),
    });
    // autoResubscribe (on by default) re-issues SUBSCRIBE after every reconnect.
    this.subName = `cti-bus-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    this.sub = new Redis(opts.redisUrl, {
      connectionName: this.subName,
      autoResubscribe: true,
      maxRetriesPerRequest: null,
      retryStrategy: (n) => Math.min(100 * n, 2_000),
    });
    this.pub.on('error', () => {});
    // Connection errors repeat on every reconnect attempt and say nothing new; a reply error
    // here is Redis refusing the re-SUBSCRIBE after a reconnect (an ACL without the channel):
    // the instance then hears no other instance's events, which an operator must see.
    this.sub.on('error', (err: Error) => {
      if (err instanceof ReplyError) opts.log?.warn({ err: err.message, channel: this.channel }, 'event bus could not subscribe');
    });
    this.sub.on('message', (channel: string, message: string) => this.deliver(channel, message));
    this.ready = this.sub.subscribe(this.channel).then(
      () => undefined,
      (err: Error) => opts.log?.warn({ err: err.message }, 'event bus subscribe failed; retrying on reconnect'),
    );
  }

  /** Resolves once the first SUBSCRIBE has been acknowledged. */
  async waitUntilSubscribed(): Promise<void> {
    await this.ready;
  }

  /** The subscriber connection's Redis client id (tests kill it to prove resubscription). */
  async subscriberClientId(): Promise<number> {
    // A subscribed connection may only run SUBSCRIBE-family commands, so ask through a
    // temporary connection for the client carrying our connection name.
    const name = this.subName;
    const probe = new Redis(this.opts.redisUrl, { lazyConnect: true });
    try {
      const list = String(await probe.call('CLIENT', 'LIST'));
      const line = list.split('\n').find((l) => l.includes(` name=${name} `));
      const id = /(?:^|\s)id=(\d+)/.exec(line ?? '')?.[1];
      if (!id) throw new Error('subscriber connection not found in CLIENT LIST');
      return Number(id);
    } finally {
      probe.disconnect();
    }
  }

  private deliver(channel: string, message: string): void {
    if (channel !== this.channel) return;
    const { events, malformed } = parseBusBatch(message);
    this.malformed += malformed;
    for (const event of events) {
      for (const l of this.listeners) {
        try {
          l(event);
        } catch {
          // one broken listener must not starve the others
        }
      }
    }
  }

  async publish(event: DomainEvent): Promise<void> {
    if (this.closed) return;
    await this.pub.publish(this.channel, JSON.stringify(event));
  }

  /**
   * The events of a relay pass as one message, a JSON array in order: one PUBLISH, and one
   * message for Redis to copy to each subscriber, whatever the pass's size.
   */
  async publishMany(events: readonly DomainEvent[]): Promise<void> {
    if (this.closed || !events.length) return;
    await this.pub.publish(this.channel, events.length === 1 ? JSON.stringify(events[0]) : JSON.stringify(events));
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await Promise.allSettled([this.sub.quit(), this.pub.quit()]);
    this.sub.disconnect();
    this.pub.disconnect();
  }
}
