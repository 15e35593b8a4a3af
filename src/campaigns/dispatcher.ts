// Runs the campaigns on one instance of the cluster: whoever holds a short Redis lease
// expires preview offers nobody took and hands due contacts to the ACD, on a timer and
// as soon as an agent becomes ready. Ended calls are looked at on every instance (the
// task's conditional update lets one of them win).
import type { Redis } from 'ioredis';
import type { Db } from '../db/pool.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log.js';
import type { CampaignTaskPort } from './acd-seam.js';
import { campaignsToDispatch } from './repository.js';
import { dispatchDue } from './service.js';

export interface TaskRunner extends CampaignTaskPort {
  expireDue(now: Date): Promise<number>;
  callEnded(callId: string): Promise<void>;
}

export interface CampaignDispatcherOptions {
  db: Db;
  redis: Redis;
  redisPrefix: string;
  instanceId: string;
  bus: EventBus;
  tasks: TaskRunner;
  log: Logger;
  intervalMs: number;
}

/** Renews the lease if it is ours, takes it if it is free. */
const HOLD_LEASE = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
`;

export class CampaignDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly o: CampaignDispatcherOptions) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.o.intervalMs);
    this.timer.unref();
    this.unsubscribe = this.o.bus.subscribe((event) => {
      if (event.type === 'call.ended' && event.callId) {
        this.o.tasks.callEnded(event.callId).catch((err: Error) => this.o.log.error({ err: err.message, callId: event.callId }, 'campaign call end not handled'));
      } else if (event.type === 'agent.state_changed' && (event.data as { to?: string }).to === 'ready') {
        this.kick();
      }
    });
  }

  /** One round now (or right after the one running). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((err: Error) => this.o.log.error({ err: err.message }, 'campaign dispatch failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await this.running;
  }

  private async round(): Promise<void> {
    const key = `${this.o.redisPrefix}:campaigns:dispatcher`;
    const held = (await this.o.redis.eval(HOLD_LEASE, 1, key, this.o.instanceId, String(Math.max(3 * this.o.intervalMs, 5_000)))) as number;
    if (held !== 1) return;
    const now = new Date();
    await this.o.tasks.expireDue(now);
    for (const campaign of await campaignsToDispatch(this.o.db)) await dispatchDue(this.o.db, campaign, this.o.tasks, now, 20);
  }
}
