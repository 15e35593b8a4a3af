// A CDR is derived from the call's own record, not from Asterisk's Cdr events, so it
// exists even when AMI is down; AMI Cdr events can reconcile later.
import { uuidv7 } from '../ids.js';
import { buildCdrDetail, type CdrDetail, type ExtendedDisposition, type TimelineItem } from '../cdrs/detail.js';

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
  /** Why the call ended (call.ended's reason): tells a PBX restart from a hang-up. */
  endReason?: string;
}

/** answered | no_answer | busy | failed, and from the timeline: abandoned, short_abandon, voicemail, fax, pbx_restart, unattended. */
export type Disposition = ExtendedDisposition;

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
  /** Legs, agents, queue, wait, hold, transfers, survey (see cdrs/detail.ts). */
  detail: CdrDetail;
}

/** Q.850: 17 user busy; 1/3/20/21/27/34/38 mean the call could not be placed. */
export function dispositionOf(answered: boolean, cause: number | null): Disposition {
  if (answered) return 'answered';
  if (cause === 17) return 'busy';
  if (cause !== null && [1, 3, 20, 21, 27, 34, 38].includes(cause)) return 'failed';
  return 'no_answer';
}

/** The CDR of an ended call; its timeline (call_events, oldest first) makes it transfer-aware. */
export function buildCdr(call: CallForCdr, id: string = uuidv7(), timeline: readonly TimelineItem[] = []): Cdr {
  const detail = buildCdrDetail(
    { createdAt: call.createdAt, answeredAt: call.answeredAt, endedAt: call.endedAt, hangupCause: call.hangupCause, ...(call.endReason ? { endReason: call.endReason } : {}) },
    timeline,
  );
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
    // Without a timeline the detail falls back to the answer and the hang-up cause alone.
    disposition: timeline.length ? detail.disposition : dispositionOf(call.answeredAt !== null, call.hangupCause),
    hangupCause: call.hangupCause,
    data: call.data,
    detail,
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
    ivrPath: cdr.detail.ivrPath,
    queue: cdr.detail.queue,
    waitMs: cdr.detail.waitMs,
    legs: cdr.detail.legs,
    agents: cdr.detail.agents,
    transfers: cdr.detail.transfers,
    conferences: cdr.detail.conferences,
    holdMs: cdr.detail.holdMs,
    survey: cdr.detail.survey,
    recordings: cdr.detail.recordings,
    complete: cdr.detail.complete,
  };
}
