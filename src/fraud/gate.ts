// The one gate in front of every number the service dials for an API key: the key must not
// be suspended, the number must pass the key's dial policy (its own, else the configured
// one), and the key's daily budget for the feature must not be spent. Every refusal is a
// fraud signal. The PBX side checks the number again with the same policy before dialling.
import type { Redis } from 'ioredis';
import { ProblemError } from '../api/problem.js';
import { checkDestination, dialRefused, type DialPolicy } from '../calls/dial-policy.js';
import { keyDialPolicy } from '../calls/control/key-policy.js';
import { dialsSince } from '../calls/control/originations.js';
import type { CallControlConfig } from '../config.js';
import type { Queryable } from '../db/pool.js';
import { BudgetsUnavailableError, takeBudgets, type Budget } from './budgets.js';
import type { DialFeature, FraudSignals } from './signals.js';
import { suspendedProblem } from './suspension.js';

export interface GateRequest {
  feature: DialFeature;
  apiKeyId: string | null;
  /** The caller who asked (fax-on-demand), counted when there is no key. */
  callerNumber?: string | null;
  number: string;
  /** The key's daily budget this dial spends, if any. */
  spends?: 'calls' | 'faxes';
  /** Further budgets the dial spends (a caller's, the service's), taken with the key's. */
  budgets?: readonly Budget[];
  /** How the refusal names the number (`destination`, `extension`). */
  what?: string;
}

export class DialGate {
  constructor(
    private readonly o: { db: Queryable; redis: Redis; prefix: string; callControl: CallControlConfig; signals: FraudSignals },
  ) {}

  /** The policy that governs a key (or callers, with null): the key's own, else the configured one. */
  async policyOf(apiKeyId: string | null): Promise<DialPolicy> {
    const key = await keyDialPolicy(this.o.db, apiKeyId, this.o.callControl);
    if (key.suspended) throw suspendedProblem(apiKeyId!, key.suspended);
    return key.policy;
  }

  /** The number as it will be dialled, or a problem naming the rule (after the refusal is counted). */
  async check(req: GateRequest): Promise<string> {
    const signal = (rule: string) =>
      this.o.signals.refused({ feature: req.feature, apiKeyId: req.apiKeyId, callerNumber: req.callerNumber ?? null, number: req.number, rule });
    const checked = checkDestination(req.number, await this.policyOf(req.apiKeyId));
    if (!checked.ok) {
      await signal(checked.rule);
      throw dialRefused(checked, req.what);
    }
    const budgets = [...(req.budgets ?? [])];
    const now = new Date();
    if (req.spends && req.apiKeyId) {
      const limit = req.spends === 'calls' ? this.o.signals.config.callsPerKeyDay : this.o.signals.config.faxesPerKeyDay;
      // A key's calls are all recorded in Postgres: its budget holds across a Redis blink.
      const floor = req.spends === 'calls' && limit > 0 ? { floor: await dialsSince(this.o.db, req.apiKeyId, startOfUtcDay(now), limit) } : {};
      budgets.push({ name: `key_${req.spends}_day`, subject: req.apiKeyId, limit, window: 'day', spent: `this API key's daily budget of ${limit} ${req.spends} is spent`, ...floor });
    }
    const taken = await takeBudgets(this.o.redis, this.o.prefix, budgets, now).catch((err: unknown) => {
      if (err instanceof BudgetsUnavailableError) {
        throw new ProblemError(503, 'the dial budgets cannot be checked while Redis does not answer; retry shortly', { retryAfterSeconds: 5 });
      }
      throw err;
    });
    if (!taken.ok) {
      await signal(`budget:${taken.budget.name}`);
      const renews = taken.budget.window === 'day' ? 'at 00:00 UTC' : 'at the next full hour';
      const retryAfterSeconds = secondsToNext(taken.budget.window, new Date());
      throw new ProblemError(429, `${taken.budget.spent}; it renews ${renews}`, { rule: `budget:${taken.budget.name}`, retryAfterSeconds });
    }
    return checked.number;
  }
}

function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** Seconds until the budget's window renews. */
function secondsToNext(window: 'hour' | 'day', now: Date): number {
  const next = new Date(now);
  if (window === 'day') next.setUTCHours(24, 0, 0, 0);
  else next.setUTCMinutes(60, 0, 0);
  return Math.max(1, Math.ceil((next.getTime() - now.getTime()) / 1000));
}
