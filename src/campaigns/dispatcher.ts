// Runs the campaigns on one instance of the cluster: whoever holds a short Redis lease
// expires preview offers nobody took and hands due contacts to the ACD, on a timer and
// as soon as an agent becomes ready. Ended calls are looked at on every instance (the
// task's conditional update lets one of them win).
// While no campaign runs and no preview task is live the dispatcher sleeps (decision 89):
// agents becoming ready and calls ending cost it nothing, and its timer runs once a minute
// as a safety net. A trigger's NOTIFY on `cti_campaigns` (a campaign made active, a task
// offered) wakes it; without a LISTEN connection it checks on its timer as before.
import type { Redis } from 'ioredis';
import type { Db } from '../db/pool.js';
import { WakeListener } from '../db/wake-listener.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log.js';
import type { CampaignTaskPort } from './acd-seam.js';
import { campaignWorkPending, campaignsToDispatch } from './repository.js';
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
  /** Connection string for the LISTEN that wakes a sleeping dispatcher; unset: it never sleeps long. */
  notifyUrl?: string;
}

/** The channel the triggers of migration 206 notify. */
export const CAMPAIGNS_CHANNEL = 'cti_campaigns';
/** How often a sleeping dispatcher checks anyway (a LISTEN connection that died without a word). */
const SLEEP_CHECK_MS = 60_000;

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
  private listener: WakeListener | undefined;
  /** The last check found no campaign to dispatch and no live task (false until a check says so). */
  private asleep = false;
  /** The pending timer is the sleeping one's long wait. */
  private waitingLong = false;

  constructor(private readonly o: CampaignDispatcherOptions) {}

  /** Sleeping: nothing runs for agents becoming ready or calls ending until a wake. */
  get sleeping(): boolean {
    return this.asleep;
  }

  /** A LISTEN on the campaigns channel is active (a sleeping dispatcher is then woken at once). */
  get listening(): boolean {
    return this.listener?.listening === true;
  }

  start(): void {
    this.schedule();
    if (this.o.notifyUrl) {
      // Also woken at every (re)connect: a campaign started while nobody listened is seen then.
      this.listener = new WakeListener({ url: this.o.notifyUrl, channel: CAMPAIGNS_CHANNEL, onWake: () => this.wake(), log: this.o.log });
      this.listener.start();
    }
    this.unsubscribe = this.o.bus.subscribe((event) => {
      // Asleep means no task is dialing, so no ended call can be a task's; every task's
      // offer was announced (and woke us) long before its call could end.
      if (this.asleep) return;
      if (event.type === 'call.ended' && event.callId) {
        this.o.tasks.callEnded(event.callId).catch((err: Error) => this.o.log.error({ err: err.message, callId: event.callId }, 'campaign call end not handled'));
      } else if (event.type === 'agent.state_changed' && (event.data as { to?: string }).to === 'ready') {
        this.kick();
      }
    });
  }

  /** Something may be due (a campaign started, a task offered): awake until a check finds nothing. */
  wake(): void {
    // Awake, the timer and the agents' kicks already run the rounds a campaign needs; a
    // round more for each task's insert would only race the agent's next step.
    if (!this.asleep) return;
    this.asleep = false;
    // The safety net's long wait gives way to the interval a running campaign needs.
    if (this.waitingLong) {
      clearTimeout(this.timer);
      this.schedule();
    }
    this.kick();
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
    clearTimeout(this.timer);
    this.unsubscribe?.();
    await this.listener?.stop();
    await this.running;
  }

  /** The next timed round: the configured interval, or the safety net while asleep and listening. */
  private schedule(): void {
    if (this.stopped) return;
    this.waitingLong = this.asleep && this.listener?.listening === true;
    const every = this.waitingLong ? Math.max(SLEEP_CHECK_MS, this.o.intervalMs) : this.o.intervalMs;
    this.timer = setTimeout(() => {
      this.kick();
      this.schedule();
    }, every);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    // One statement on every instance decides whether there is anything to do at all;
    // the lease and the work follow only when there is.
    const pending = await campaignWorkPending(this.o.db);
    if (!pending) {
      // A wake that came while this check ran asked for a round after it (`again`), so a
      // notification is never slept through.
      if (!this.again) this.asleep = true;
      return;
    }
    this.asleep = false;
    const key = `${this.o.redisPrefix}:campaigns:dispatcher`;
    const held = (await this.o.redis.eval(HOLD_LEASE, 1, key, this.o.instanceId, String(Math.max(3 * this.o.intervalMs, 5_000)))) as number;
    if (held !== 1) return;
    const now = new Date();
    await this.o.tasks.expireDue(now);
    for (const campaign of await campaignsToDispatch(this.o.db)) await dispatchDue(this.o.db, campaign, this.o.tasks, now, 20);
  }
}
