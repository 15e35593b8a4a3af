// A CDR is derived from the call's own record, not from Asterisk's Cdr events, so it
// exists even when AMI is down; AMI Cdr events can reconcile later.
import { randomUUID } from 'node:crypto';

export interface CallForCdr {
  id: string;
  pbxNode: string;
  linkedid: string | null;
  direction: string;
  callerNumber: string | null;
  callerName: string | null;
  dnis: string | null;
  createdAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  hangupCause: number | null;
  data: Record<string, unknown>;
}

export type Disposition = 'answered' | 'no_answer' | 'busy' | 'failed';

export interface Cdr {
  id: string;
  callId: string;
  pbxNode: string;
  linkedid: string | null;
  direction: string;
  callerNumber: string | null;
  callerName: string | null;
  dnis: string | null;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  durationMs: number;
  talkMs: number;
  disposition: Disposition;
  hangupCause: number | null;
  data: Record<string, unknown>;
}

/** Q.850: 17 user busy; 1/3/20/21/27/34/38 mean the call could not be placed. */
export function dispositionOf(answered: boolean, cause: number | null): Disposition {
  if (answered) return 'answered';
  if (cause === 17) return 'busy';
  if (cause !== null && [1, 3, 20, 21, 27, 34, 38].includes(cause)) return 'failed';
  return 'no_answer';
}

export function buildCdr(call: CallForCdr, id: string = randomUUID()): Cdr {
  const durationMs = Math.max(0, call.endedAt.getTime() - call.createdAt.getTime());
  const talkMs = call.answeredAt ? Math.max(0, call.endedAt.getTime() - call.answeredAt.getTime()) : 0;
  return {
    id,
    callId: call.id,
    pbxNode: call.pbxNode,
    linkedid: call.linkedid,
    direction: call.direction,
    callerNumber: call.callerNumber,
    callerName: call.callerName,
    dnis: call.dnis,
    startedAt: call.createdAt,
    answeredAt: call.answeredAt,
    endedAt: call.endedAt,
    durationMs,
    talkMs,
    disposition: dispositionOf(call.answeredAt !== null, call.hangupCause),
    hangupCause: call.hangupCause,
    data: call.data,
  };
}

/** The JSON body of `cdr.created`. */
export function cdrPayload(cdr: Cdr): Record<string, unknown> {
  return {
    cdrId: cdr.id,
    callId: cdr.callId,
    pbxNode: cdr.pbxNode,
    linkedid: cdr.linkedid,
    direction: cdr.direction,
    caller: { number: cdr.callerNumber, name: cdr.callerName },
    dnis: cdr.dnis,
    startedAt: cdr.startedAt.toISOString(),
    answeredAt: cdr.answeredAt?.toISOString() ?? null,
    endedAt: cdr.endedAt.toISOString(),
    durationMs: cdr.durationMs,
    talkMs: cdr.talkMs,
    disposition: cdr.disposition,
    hangupCause: cdr.hangupCause,
    data: cdr.data,
  };
}
