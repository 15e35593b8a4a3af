// Callers who arrived while no instance drove the PBX node (an owner gone before its lease
// lapsed, the ARI app unregistered during a reconnect): `Stasis()` failed and the shipped
// dialplan's fallback took them, marking their Asterisk CDR `userfield=cti-fallback`. When
// the node is driven again, the AMI `Cdr` of each such caller becomes a call of ours with a
// CDR whose disposition is `unattended`: what Asterisk says happened, nothing more (no agent,
// queue or IVR data, since none of ours touched the call).
import type { Db } from '../db/pool.js';
import { UNATTENDED } from '../cdrs/detail.js';
import { createCall, endCall, type Call } from './repository.js';

/** The `CDR(userfield)` the shipped `[cti-fallback]` context sets. */
export const FALLBACK_USERFIELD = 'cti-fallback';
export const UNATTENDED_REASON = `${UNATTENDED} no instance drove the PBX node; the dialplan fallback took the call`;

export interface FallbackCaller {
  channelId: string;
  callerNumber: string | null;
  callerName: string | null;
  /** The number dialled, when the CDR still names it (the fallback's own extension is `s`). */
  dnis: string | null;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  asteriskDisposition: string | null;
  /** What answered the caller on the PBX (a fallback queue member, a message), as Asterisk names it. */
  destinationChannel: string | null;
}

/**
 * The caller a fallback Cdr is about, or undefined for any other Cdr. Its times come from
 * its durations, counted back from when it arrived: Asterisk writes StartTime and EndTime
 * in the PBX's local time without a zone.
 */
export function fallbackCaller(fields: Readonly<Record<string, string>>, receivedAt: Date): FallbackCaller | undefined {
  if ((fields.UserField ?? '').trim() !== FALLBACK_USERFIELD || !fields.UniqueID) return undefined;
  const seconds = (v: string | undefined) => (v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : 0);
  const endedAt = receivedAt;
  const startedAt = new Date(endedAt.getTime() - seconds(fields.Duration) * 1000);
  const answered = (fields.AnswerTime ?? '').trim() !== '';
  const name = /^"(.*)" <.*>$/.exec(fields.CallerID ?? '')?.[1] ?? null;
  const destination = fields.Destination ?? '';
  return {
    channelId: fields.UniqueID,
    callerNumber: fields.Source || null,
    callerName: name || null,
    dnis: destination && destination !== 's' ? destination : null,
    startedAt,
    answeredAt: answered ? new Date(endedAt.getTime() - seconds(fields.BillableSeconds) * 1000) : null,
    endedAt,
    asteriskDisposition: fields.Disposition || null,
    destinationChannel: fields.DestinationChannel || null,
  };
}

/**
 * Records the caller as an ended call with its CDR; once per channel (a caller the fallback
 * queue rang several times has several Asterisk CDRs, the first one makes the call).
 */
export async function recordUnattended(db: Db, pbxNode: string, caller: FallbackCaller): Promise<Call | undefined> {
  const { call, created } = await createCall(db, {
    pbxNode,
    channelId: caller.channelId,
    linkedid: caller.channelId,
    direction: 'inbound',
    callerNumber: caller.callerNumber,
    callerName: caller.callerName,
    dnis: caller.dnis,
    data: { handledBy: 'dialplan_fallback', asterisk: { disposition: caller.asteriskDisposition, destinationChannel: caller.destinationChannel } },
    at: caller.startedAt,
  });
  if (!created) return undefined;
  if (caller.answeredAt) await db.query('UPDATE calls SET answered_at = $2 WHERE id = $1 AND answered_at IS NULL', [call.id, caller.answeredAt]);
  const ended = await endCall(db, call.id, { cause: null, reason: UNATTENDED_REASON, at: caller.endedAt });
  return ended?.call;
}
