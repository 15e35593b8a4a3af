// Which open calls of a node still have a channel on the PBX. A call's end is heard as a
// PBX event; an event lost with a dead owner, a dropped socket or a failed step leaves
// the call open in Postgres although the PBX forgot it. The owner's audit finds such
// calls by comparing their channels with the PBX's list, and ends them with a reason that
// says their end was not heard.
import type { Db } from '../db/pool.js';
import type { Logger } from '../log.js';
import { endCall, type Direction } from './repository.js';

/** The end reason of a call whose channels vanished from the PBX without an event we heard. */
export const CHANNELS_GONE = 'its channels left the PBX without an end the service heard';

export interface OpenCallChannels {
  id: string;
  direction: Direction;
  /** The customer's channel (the call's own), and every leg not yet ended. */
  channels: string[];
}

/**
 * A call is alive while any of its channels is. A click-to-dial call also lives through
 * its agent's leg before the customer is dialled: its linkedid is that leg's channel.
 */
export async function openCallChannels(db: Db, pbxNode: string, quietForMs: number): Promise<OpenCallChannels[]> {
  const { rows } = await db.query<{ id: string; direction: Direction; channel_id: string; linkedid: string | null; legs: string[] }>(
    `SELECT c.id, c.direction, c.channel_id, c.linkedid,
            ARRAY(SELECT l.channel_id FROM call_legs l WHERE l.call_id = c.id AND l.ended_at IS NULL) AS legs
       FROM calls c
      WHERE c.state <> 'ended' AND c.pbx_node = $1 AND c.updated_at < now() - make_interval(secs => $2::double precision / 1000)`,
    [pbxNode, quietForMs],
  );
  return rows.map((r) => ({
    id: r.id,
    direction: r.direction,
    channels: [...new Set([r.channel_id, ...(r.direction === 'outbound' && r.linkedid ? [r.linkedid] : []), ...r.legs])],
  }));
}

/** Pure: the calls none of whose channels the PBX has. */
export function callsWithoutChannels(calls: readonly OpenCallChannels[], alive: ReadonlySet<string>): string[] {
  return calls.filter((c) => !c.channels.some((id) => alive.has(id))).map((c) => c.id);
}

export interface OpenCallAuditOptions {
  db: Db;
  pbxNode: string;
  log: Logger;
  /** Ids of the channels the PBX has now. */
  channels: () => Promise<string[]>;
  /** A call changed more recently than this is left alone: its own handlers may be at work. */
  quietForMs: number;
}

/**
 * Ends open calls whose channels are gone. A call is ended only when two audits in a row
 * found it without a channel, so an end event still on its way (or a handler between two
 * steps) wins the race.
 */
export class OpenCallAudit {
  private suspects = new Set<string>();

  constructor(private readonly o: OpenCallAuditOptions) {}

  async run(): Promise<number> {
    const { db, pbxNode, log } = this.o;
    const open = await openCallChannels(db, pbxNode, this.o.quietForMs);
    if (!open.length) {
      this.suspects.clear();
      return 0;
    }
    const alive = new Set(await this.o.channels());
    const next = new Set<string>();
    let ended = 0;
    for (const callId of callsWithoutChannels(open, alive)) {
      if (!this.suspects.has(callId)) {
        next.add(callId);
        continue;
      }
      if (await endCall(db, callId, { cause: null, reason: CHANNELS_GONE })) {
        ended++;
        log.warn({ callId, event: 'call.ended', reason: CHANNELS_GONE }, 'ended a call whose channels are gone from the PBX');
      }
    }
    this.suspects = next;
    return ended;
  }
}

/** Runs the audit every `everyMs` while `mayRun` says so, never two at once; the timer does not keep the process up. */
export function scheduleOpenCallAudit(
  o: Omit<OpenCallAuditOptions, 'quietForMs'> & { everyMs: number; mayRun: () => boolean; ended: (n: number) => void },
): NodeJS.Timeout {
  const audit = new OpenCallAudit({ ...o, quietForMs: o.everyMs });
  let running = false;
  const timer = setInterval(() => {
    if (running || !o.mayRun()) return;
    running = true;
    audit
      .run()
      .then(o.ended)
      .catch((err: Error) => o.log.warn({ err: err.message }, 'open call audit failed'))
      .finally(() => {
        running = false;
      });
  }, o.everyMs);
  timer.unref();
  return timer;
}
