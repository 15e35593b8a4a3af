// Rings the transferring agent back when a transfer failed and neither its parties nor a
// queue can take the caller (recall.ts decides each step). The caller waits in the call's
// holding bridge with music meanwhile; the recalled leg, once answered, is the call's
// agent leg. An unanswered recall ends the call cleanly, its reason recorded.
import type { Db } from '../../db/pool.js';
import type { Logger } from '../../log.js';
import type { AgentDesk } from '../agent-desk.js';
import { addLeg, endLeg, newId } from '../control/repository.js';
import type { LiveCall, LiveCalls, LiveLeg } from '../control/live.js';
import type { ControlPbx } from '../control/pbx.js';
import { recallPlan, recallStep, type RecallEvent, type RecallState } from './recall.js';
import { saveOutcome, type Transfer } from './repository.js';

export interface RecallsOptions {
  db: Db;
  app: string;
  pbx: ControlPbx;
  live: LiveCalls;
  log: Logger;
  desk?: AgentDesk | undefined;
  /** How long the agent's phone rings; 0: no recall. */
  seconds: number;
  finishCall(call: LiveCall, cause: number | null, reason: string): Promise<void>;
}

interface Running {
  transferId: string;
  channelId: string;
  agentId: string | null;
  endpoint: string;
  state: RecallState;
  timer?: NodeJS.Timeout;
}

/** Why the call ends when nobody takes the caller back. */
export const RECALL_FAILED_REASON = 'transfer failed: the transferring agent did not take the caller back';

export class Recalls {
  /** Recalls in progress or answered, by call. */
  private readonly byCall = new Map<string, Running>();

  constructor(private readonly o: RecallsOptions) {}

  /** The transfer `t` failed with nobody left to take the caller: ring its initiator back. The caller holds the call's lane. */
  async start(live: LiveCall, t: Transfer): Promise<void> {
    const { db, desk, log, pbx } = this.o;
    const plan = recallPlan({ seconds: this.o.seconds, fromAgentId: t.fromAgentId, fromEndpoint: t.fromEndpoint });
    let endpoint = plan.ring ? plan.endpoint : null;
    const agentId = plan.ring ? plan.agentId : null;
    let why = plan.ring ? '' : plan.reason;
    if (plan.ring && agentId) {
      const offer = desk ? await desk.recall(agentId, live.callId) : undefined;
      if (offer?.ok) endpoint = offer.endpoint;
      else why = offer?.reason ?? 'the ACD is not running here';
    }
    if (!endpoint) {
      log.info({ callId: live.callId, transferId: t.id, reason: why, event: 'call.recall_skipped' }, 'nobody to ring back after the failed transfer');
      await saveOutcome(db, t.id, 'no_recall');
      await this.o.finishCall(live, 16, `${RECALL_FAILED_REASON} (${why})`);
      return;
    }
    const channelId = newId();
    const running: Running = { transferId: t.id, channelId, agentId, endpoint, state: 'ringing' };
    this.byCall.set(live.callId, running);
    this.o.live.addLeg({ channelId, callId: live.callId, role: 'recall', agentId, transferId: t.id });
    await addLeg(db, live.callId, channelId, 'agent', agentId);
    // Watched before it is dialled, as for a transfer target: a phone may answer at once.
    if (agentId) await desk?.trackLeg(agentId, live.callId, channelId, 'transfer');
    // A queue was asked first and the call's bridges went with that: the caller is given music again.
    if (desk) await pbx.rebuild(live);
    await pbx.hold(live);
    await saveOutcome(db, t.id, 'recalling', { type: 'call.recall_started', recall: { agentId, endpoint } });
    log.info({ callId: live.callId, transferId: t.id, endpoint, event: 'call.recall_started' }, 'the transferring agent is rung back');
    running.timer = setTimeout(() => void this.o.live.serial(live.callId, () => this.feed(live.callId, { type: 'timeout' })).catch(() => undefined), this.o.seconds * 1000);
    try {
      await pbx.client.channels.originate({
        endpoint,
        channelId,
        app: this.o.app,
        appArgs: ['recall', live.callId, t.id],
        originator: live.customer,
        variables: { CTI_CALL_ID: live.callId },
        // Our timer decides; the PBX gives up a minute later should we be gone by then.
        timeout: this.o.seconds + 60,
      });
    } catch (err) {
      log.warn({ err: (err as Error).message, callId: live.callId, endpoint }, 'the transferring agent could not be rung back');
      await this.feed(live.callId, { type: 'failed', reason: 'unreachable' });
    }
  }

  /** The recalled phone answered (its leg entered our app). */
  async onUp(leg: LiveLeg): Promise<void> {
    await this.feed(leg.callId, { type: 'answered' });
  }

  /** The recalled leg ended before it answered. */
  async onGone(leg: LiveLeg): Promise<void> {
    await endLeg(this.o.db, leg.callId, leg.channelId);
    const cause = leg.cause;
    const reason = cause === 17 ? 'busy' : cause === 19 ? 'no_answer' : cause === 20 ? 'unreachable' : 'rejected';
    await this.feed(leg.callId, { type: 'failed', reason });
  }

  /** The call ends (the caller hung up, or we ended it): a recall still ringing stops. */
  async callEnded(live: LiveCall): Promise<void> {
    await this.feed(live.callId, { type: 'customer_hungup' });
    this.forget(live.callId);
  }

  private async feed(callId: string, event: RecallEvent): Promise<void> {
    const r = this.byCall.get(callId);
    const live = this.o.live.call(callId);
    if (!r || !live) return;
    const s = recallStep(r.state, event);
    if (!s.ok) return;
    r.state = s.next;
    if (r.timer) clearTimeout(r.timer);
    const { db, desk, pbx, log } = this.o;
    log.info({ callId, transferId: r.transferId, event: event.type, to: s.next, reason: s.reason }, 'recall step');
    const leg = this.o.live.leg(r.channelId);
    for (const e of s.effects) {
      switch (e.kind) {
        case 'connect':
          if (leg) {
            leg.role = 'agent';
            live.agent = leg.channelId;
          }
          await pbx.join(live, r.channelId, live.customer);
          break;
        case 'hangup_recall':
          await pbx.hangup(r.channelId);
          break;
        case 'release_agent':
          if (r.agentId) await desk?.release(r.agentId, callId, e.reason);
          break;
        case 'fallback':
          break;
      }
    }
    const fallback = s.effects.some((e) => e.kind === 'fallback');
    await saveOutcome(db, r.transferId, s.outcome, {
      type: 'call.recall_ended',
      recall: { agentId: r.agentId, endpoint: r.endpoint, outcome: s.outcome, reason: s.reason, ...(fallback ? { fallback: 'hangup' } : {}) },
    });
    if (fallback) {
      this.forget(callId);
      await this.o.finishCall(live, 16, `${RECALL_FAILED_REASON} (${s.reason})`);
    }
  }

  private forget(callId: string): void {
    const r = this.byCall.get(callId);
    if (r?.timer) clearTimeout(r.timer);
    this.byCall.delete(callId);
  }

  stop(): void {
    for (const r of this.byCall.values()) if (r.timer) clearTimeout(r.timer);
    this.byCall.clear();
  }
}
