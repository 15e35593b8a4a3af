// An agent pressed the transfer key of the desk phone: the PBX reports it (a REFER under
// ari-only, or a channel it swapped in) and call control carries the transfer out on the
// call the phone's leg belongs to.
import { phoneTarget, type PhoneTransferFact } from '../transfers/phone.js';
import { adoptFromDesk } from './adopt.js';
import type { CallControl } from './service.js';

/**
 * The phone's leg must be the agent of a call we drive, or of a call the ACD connected
 * (handed over to us now, before the phone's hang-up could end the call). True when the
 * fact was about one of our legs.
 */
export async function onPhoneTransfer(control: CallControl, fact: PhoneTransferFact): Promise<boolean> {
  const { desk, log, db, pbxNode, ari, config } = control.opts;
  const { live: calls, transfers } = control;
  let leg = calls.leg(fact.transferer);
  if (!leg && desk) {
    const callId = await desk.callOfLeg(fact.transferer);
    if (callId) await calls.serial(callId, () => adoptFromDesk(db, pbxNode, calls, desk, callId));
    leg = calls.leg(fact.transferer);
  }
  if (!leg) return false;
  const initiator = leg;
  await calls.serial(initiator.callId, async () => {
    const live = calls.call(initiator.callId);
    const decline = async (reason: string) => {
      log.info({ callId: initiator.callId, channel: initiator.channelId, reason, event: 'call.phone_transfer_refused' }, "the phone's transfer was refused");
      if (fact.kind === 'referred') await ari.channels.transferProgress(initiator.channelId, 'channel_declined').catch(() => undefined);
    };
    if (!live || live.ended || initiator.gone || live.agent !== initiator.channelId) return decline("the phone's leg is not the call's agent");
    const destination = fact.kind === 'swapped' ? fact.exten : fact.destination;
    const agentId = desk && /^[0-9]{1,20}$/.test(destination) ? await desk.agentAt(`PJSIP/${destination}`) : undefined;
    const target = phoneTarget(destination, agentId);
    log.info({ callId: live.callId, kind: fact.kind, to: target.ok ? target.to : destination, event: 'call.phone_transfer' }, "the agent's phone transfers the call");
    if (fact.kind === 'swapped') {
      // The PBX rings whatever the phone's context made of the digits; record what was asked for.
      await transfers.adoptSwap(live, initiator, fact, target.ok ? target.to : { extension: destination.slice(0, 40) || 'unknown' });
      return;
    }
    if (fact.attended) {
      if (!fact.replaces) return decline('the PBX did not say whom the phone consulted');
      await transfers.startReplaces(live, initiator, fact.replaces, fact.transfererName);
      return;
    }
    if (!target.ok) return decline(target.reason);
    await transfers.startFromPhone(live, initiator.channelId, { to: target.to, mode: 'blind', policy: config.policy });
  });
  return true;
}
