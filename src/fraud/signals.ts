// Fraud signals: every refused destination and every spent budget, whichever feature it
// came from, is counted per subject (the API key, or the caller for fax-on-demand). A
// burst within the window raises one `security.alert` (journal, webhooks, /metrics) and,
// when configured, suspends the key: from then on its requests answer 403 and its dials
// are refused until an admin lifts the suspension.
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { registry } from '../api/metrics.js';
import type { FraudConfig } from '../config.js';
import type { Queryable } from '../db/pool.js';
import { ADMINS_ONLY } from '../events/audience.js';
import { appendOutbox } from '../events/outbox.js';
import type { Logger } from '../log.js';
import { suspendKey } from './suspension.js';

export type DialFeature = 'call' | 'transfer' | 'channel_transfer' | 'fax' | 'fax_on_demand' | 'greeting' | 'campaign';

export interface Refusal {
  feature: DialFeature;
  /** The key that asked; null when a caller did (fax-on-demand, the IVR). */
  apiKeyId: string | null;
  callerNumber?: string | null;
  /** What was asked for, as given (cut to 32 characters). */
  number: string;
  /** The rule that refused it: a dial rule or a budget's name. */
  rule: string;
}

export const securityAlerts = new Counter({
  name: 'cti_security_alerts_total',
  help: 'security.alert events raised, by reason',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const refusedDestinations = new Counter({
  name: 'cti_refused_destinations_total',
  help: 'Destinations refused by the dial policy or a budget, by feature and rule',
  labelNames: ['feature', 'rule'] as const,
  registers: [registry],
});

export class FraudSignals {
  constructor(
    private readonly o: { db: Queryable; redis: Redis; prefix: string; config: FraudConfig; log: Logger; onSuspend?: (apiKeyId: string) => void },
  ) {}

  get config(): FraudConfig {
    return this.o.config;
  }

  /** Counts a refusal; the one that completes a burst raises the alert (once per window). */
  async refused(r: Refusal): Promise<void> {
    const rule = r.rule.startsWith('budget') ? 'budget' : r.rule;
    refusedDestinations.inc({ feature: r.feature, rule });
    const { burstRefusals, burstWindowSeconds } = this.o.config;
    if (burstRefusals <= 0) return;
    const subject = r.apiKeyId ? `key:${r.apiKeyId}` : r.callerNumber ? `caller:${r.callerNumber}` : 'caller:unknown';
    const window = Math.floor(Date.now() / 1000 / burstWindowSeconds);
    const key = `${this.o.prefix}:fraud:refused:${window}:${subject}`;
    const count = await this.o.redis.incr(key).catch(() => 0);
    if (count === 1) await this.o.redis.expire(key, burstWindowSeconds * 2).catch(() => undefined);
    if (count !== burstRefusals) return;
    await this.alert(r, count).catch((err: Error) => this.o.log.error({ err: err.message }, 'security alert could not be recorded'));
  }

  private async alert(r: Refusal, count: number): Promise<void> {
    const suspend = this.o.config.suspendKeys && r.apiKeyId !== null;
    const reason = 'refused_destinations';
    let suspended = false;
    if (suspend) {
      suspended = await suspendKey(this.o.db, r.apiKeyId!, `${count} refused destinations within ${this.o.config.burstWindowSeconds} s`);
    }
    await appendOutbox(this.o.db, {
      type: 'security.alert',
      // About a key: admin keys only (audience.ts). About callers: the whole centre.
      ownerKeyId: r.apiKeyId ? ADMINS_ONLY : null,
      data: {
        reason,
        apiKeyId: r.apiKeyId,
        callerNumber: r.callerNumber ?? null,
        feature: r.feature,
        refusals: count,
        windowSeconds: this.o.config.burstWindowSeconds,
        lastNumber: r.number.slice(0, 32),
        lastRule: r.rule,
        keySuspended: suspended,
      },
    });
    securityAlerts.inc({ reason });
    this.o.log.warn({ event: 'security.alert', apiKeyId: r.apiKeyId, feature: r.feature, refusals: count, keySuspended: suspended }, 'burst of refused destinations');
    if (suspended) this.o.onSuspend?.(r.apiKeyId!);
  }
}

