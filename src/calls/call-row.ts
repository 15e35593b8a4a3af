// A call as the business sees it, and how a row of `calls` becomes one. Shared by the
// repository and the transitions so neither has to import the other.
import { isCallState, type CallState } from './state.js';

export type Direction = 'inbound' | 'outbound' | 'internal';

export interface Call {
  id: string;
  pbxNode: string;
  channelId: string;
  linkedid: string | null;
  direction: Direction;
  callerNumber: string | null;
  callerName: string | null;
  dnis: string | null;
  state: CallState;
  data: Record<string, unknown>;
  createdAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  hangupCause: number | null;
}

export interface CallRow {
  id: string;
  pbx_node: string;
  channel_id: string;
  linkedid: string | null;
  direction: Direction;
  caller_number: string | null;
  caller_name: string | null;
  dnis: string | null;
  state: string;
  data: Record<string, unknown>;
  created_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
  hangup_cause: number | null;
}

export function toCall(r: CallRow): Call {
  if (!isCallState(r.state)) throw new Error(`call ${r.id} has unknown state ${r.state}`);
  return {
    id: r.id,
    pbxNode: r.pbx_node,
    channelId: r.channel_id,
    linkedid: r.linkedid,
    direction: r.direction,
    callerNumber: r.caller_number,
    callerName: r.caller_name,
    dnis: r.dnis,
    state: r.state,
    data: r.data,
    createdAt: r.created_at,
    answeredAt: r.answered_at,
    endedAt: r.ended_at,
    hangupCause: r.hangup_cause,
  };
}

/** The common part of every call.* payload. */
export function callSummary(call: Call): Record<string, unknown> {
  return {
    callId: call.id,
    pbxNode: call.pbxNode,
    channelId: call.channelId,
    linkedid: call.linkedid,
    direction: call.direction,
    state: call.state,
    caller: { number: call.callerNumber, name: call.callerName },
    dnis: call.dnis,
    data: call.data,
  };
}
