// Carrying out a transfer step's effects on the PBX, in the ACD and in Postgres. The state
// machine (state.ts) says what must happen; this is where it happens, in an order the ACD
// and the PBX can follow.
import type { Db } from '../../db/pool.js';
import type { Logger } from '../../log.js';
import type { AgentDesk } from '../agent-desk.js';
import { endLeg } from '../control/repository.js';
import type { LiveCall, LiveCalls } from '../control/live.js';
import type { ControlPbx } from '../control/pbx.js';
import type { Recalls } from './recall-service.js';
import { saveOutcome, type Transfer } from './repository.js';
import type { Effect } from './state.js';

export interface EffectDeps {
  db: Db;
  pbx: ControlPbx;
  live: LiveCalls;
  log: Logger;
  desk?: AgentDesk | undefined;
  recalls: Recalls;
}

/** `swapped`: a phone's REFER under core handling, whose target the PBX already joined. */
export async function carryOut(d: EffectDeps, live: LiveCall, t: Transfer, effects: Effect[], swapped: boolean): Promise<void> {
  const { pbx, db, desk } = d;
  const initiator = t.fromChannelId;
  const target = t.targetChannelId;
  // The ACD hears the target's hang-up too: it must already know why the reservation
  // ended (no answer pauses the agent, a cancel frees them), so the release goes first.
  const ordered = [...effects.filter((e) => e.kind === 'release_target'), ...effects.filter((e) => e.kind !== 'release_target')];
  for (const e of ordered) {
    switch (e.kind) {
      case 'consult':
        await pbx.join(live, target);
        break;
      case 'connect_customer_target':
        if (swapped) break;
        await pbx.leaveMain(live, initiator);
        await pbx.join(live, target, live.customer);
        break;
      case 'restore_customer':
      case 'conference_all':
        await pbx.join(live, live.customer);
        break;
      case 'return_customer':
        await returnCustomer(d, live, t);
        break;
      case 'requeue_customer':
        await requeueCustomer(d, live, t);
        break;
      case 'hangup':
        await pbx.hangup(e.party === 'customer' ? live.customer : e.party === 'initiator' ? initiator : target);
        break;
      case 'initiator_leaves':
        await pbx.hangup(initiator);
        await endLeg(db, live.callId, initiator);
        if (t.fromAgentId) await desk?.leftCall(t.fromAgentId, live.callId);
        break;
      case 'release_target':
        if (t.to.agentId) await desk?.release(t.to.agentId, live.callId, e.reason);
        break;
      case 'announce':
        break;
    }
  }
}

/**
 * Nobody of the transfer is left to take the customer. A caller who came through a queue
 * goes back to its front (the ACD takes the call over again, out of our bridges);
 * otherwise nobody can take them and the call ends, recorded as the transfer's failure.
 */
async function returnCustomer(d: EffectDeps, live: LiveCall, t: Transfer): Promise<void> {
  const { desk, pbx, log } = d;
  const customer = d.live.leg(live.customer);
  if (!customer || customer.gone) return;
  if (desk) {
    await pbx.dismantle(live);
    if (await desk.takeBack(live.callId, live.customer)) {
      log.info({ callId: live.callId, transferId: t.id, event: 'call.returned_to_queue' }, 'the transfer failed: the caller is back in the queue');
      await saveOutcome(d.db, t.id, 'requeued');
      d.live.dropCall(live.callId);
      return;
    }
  }
  // No queue behind the call: the agent who handed it over is rung back.
  await d.recalls.start(live, t);
}

/** A blind transfer to a queue: the ACD takes the caller; should it not, the call cannot go on. */
async function requeueCustomer(d: EffectDeps, live: LiveCall, t: Transfer): Promise<void> {
  const { desk, pbx, log } = d;
  const customer = d.live.leg(live.customer);
  if (!customer || customer.gone || !t.to.queueId) return;
  await pbx.dismantle(live);
  if (await desk?.requeue(live.callId, live.customer, t.to.queueId)) {
    log.info({ callId: live.callId, transferId: t.id, queueId: t.to.queueId, event: 'call.transferred_to_queue' }, 'the caller is in the queue');
    d.live.dropCall(live.callId);
    return;
  }
  log.warn({ callId: live.callId, transferId: t.id, queueId: t.to.queueId, event: 'call.transfer_lost' }, 'the queue could not take the caller');
  await pbx.hangup(live.customer);
}
