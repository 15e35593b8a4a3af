// The CDR Asterisk writes when a call leg ends (cdr_manager's `Cdr` event fields).
import type { CdrRecord, ChannelSnapshot } from './world-types.js';

export interface CdrLeg extends Pick<ChannelSnapshot, 'id' | 'name' | 'caller' | 'accountcode' | 'linkedid' | 'dialplan' | 'creationtime'> {
  answeredAt?: Date;
  dialStatus?: string;
  destination: string;
  lastApp: string;
  lastData: string;
  /** `Set(CDR(userfield)=…)` of the dialplan (the shipped fallback marks its calls `cti-fallback`). */
  cdrUserField?: string;
}

export function buildCdr(leg: CdrLeg, destinationChannel: string, end: Date): CdrRecord {
  const start = leg.creationtime;
  const answer = leg.answeredAt;
  const seconds = (from: Date) => Math.max(0, Math.round((end.getTime() - from.getTime()) / 1000));
  const disposition: CdrRecord['disposition'] = answer
    ? 'ANSWERED'
    : leg.dialStatus === 'BUSY'
      ? 'BUSY'
      : leg.dialStatus === 'CHANUNAVAIL'
        ? 'FAILED'
        : 'NO ANSWER';
  return {
    accountCode: leg.accountcode,
    source: leg.caller.number,
    destination: leg.destination,
    destinationContext: leg.dialplan.context,
    callerId: leg.caller.name ? `"${leg.caller.name}" <${leg.caller.number}>` : leg.caller.number,
    channel: leg.name,
    destinationChannel,
    lastApplication: leg.lastApp,
    lastData: leg.lastData,
    startTime: start,
    answerTime: answer,
    endTime: end,
    duration: seconds(start),
    billableSeconds: answer ? seconds(answer) : 0,
    disposition,
    amaFlags: 'DOCUMENTATION',
    uniqueId: leg.id,
    linkedId: leg.linkedid,
    userField: leg.cdrUserField ?? '',
  };
}
