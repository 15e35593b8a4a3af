// Which connectors run: those of the environment (CONNECTORS, read-only over the API)
// and those created over the API (Postgres). A change made on one instance is announced
// over Redis and every instance re-reads the table and applies it to its runtime at once;
// a periodic re-read also covers an announcement lost while Redis was away.
import type { Redis } from 'ioredis';
import type { Db } from '../../db/pool.js';
import type { Logger } from '../../log.js';
import type { ConnectorConfig } from './config.js';
import { listStoredConnectors } from './repository.js';
import type { ConnectorRuntime } from './runtime.js';

export interface ConnectorRegistryOptions {
  db: Db;
  /** Publishes announcements (fails fast while Redis is down). */
  redis: Redis;
  prefix: string;
  env: ConnectorConfig[];
  runtime: Pick<ConnectorRuntime, 'apply'>;
  log: Logger;
  resyncMs?: number;
}

export class ConnectorRegistry {
  private subscriber: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly channel: string;

  constructor(private readonly o: ConnectorRegistryOptions) {
    this.channel = `${o.prefix}:connectors:changed`;
  }

  /** True for a connector of the environment: it can be read and tested over the API, not changed. */
  fromEnvironment(id: string): ConnectorConfig | undefined {
    return this.o.env.find((c) => c.id === id);
  }

  get environment(): readonly ConnectorConfig[] {
    return this.o.env;
  }

  async start(): Promise<void> {
    const sub = this.o.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    sub.on('error', (err) => this.o.log.debug({ err: err.message }, 'connectors: redis connection error'));
    sub.on('message', () => void this.sync());
    // Announcements made while this subscriber was away are lost: read the table again.
    sub.on('ready', () => void this.sync());
    this.subscriber = sub;
    await sub.subscribe(this.channel).catch((err: unknown) =>
      this.o.log.warn({ err: (err as Error).message }, 'connectors: cannot subscribe; changes from other instances arrive with the periodic re-read'),
    );
    await this.sync();
    this.timer = setInterval(() => void this.sync(), this.o.resyncMs ?? 30_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.subscriber?.disconnect();
    await this.chain;
  }

  /** After a change on this instance: apply it here, then tell the others. */
  async changed(): Promise<void> {
    await this.sync();
    await this.o.redis.publish(this.channel, '1').catch((err: Error) =>
      this.o.log.warn({ err: err.message }, 'connectors: change not announced; other instances pick it up with their periodic re-read'),
    );
  }

  /** Re-reads the stored connectors and runs environment + stored ones; one at a time. */
  sync(): Promise<void> {
    this.chain = this.chain.then(async () => {
      try {
        const stored = await listStoredConnectors(this.o.db);
        const envIds = new Set(this.o.env.map((c) => c.id));
        await this.o.runtime.apply([...this.o.env, ...stored.map((s) => s.config).filter((c) => !envIds.has(c.id))]);
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message }, 'connectors: cannot re-read the stored connectors; the running ones stay');
      }
    });
    return this.chain;
  }
}
