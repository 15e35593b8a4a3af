// Waiting calls Redis no longer lists (it lost its data) found again from Postgres and the
// PBX: calls of this node still `queued` whose caller the PBX still has in the call's
// holding bridge (a caller sent on to voicemail or a flow, or talking, is in none). Their place in line
// is their last `call.queued` (queue, priority, entry time), so they are offered in the
// order they came. What the IVR's queue node gave beyond that (a survey) is not kept.
import type { Queryable } from '../db/pool.js';
import { skillsFromData } from './priority.js';
import type { LiveWaitingCall } from './queue-live.js';
import { HOLD_BRIDGE } from './runtime-state.js';

/** `holding`: holding bridge id -> the channels in it, from the PBX. */
export async function lostWaitingCalls(db: Queryable, pbxNode: string, known: ReadonlySet<string>, holding: ReadonlyMap<string, readonly string[]>): Promise<LiveWaitingCall[]> {
  const { rows } = await db.query<{ id: string; channel_id: string; data: Record<string, unknown>; at: Date; queued: { queue?: { id?: string; priority?: number; overflowFrom?: string } } }>(
    `SELECT c.id, c.channel_id, c.data, e.at, e.data AS queued
     FROM calls c
     JOIN LATERAL (SELECT at, data FROM call_events WHERE call_id = c.id AND type = 'call.queued' ORDER BY id DESC LIMIT 1) e ON true
     WHERE c.state = 'queued' AND c.pbx_node = $1`,
    [pbxNode],
  );
  const out: LiveWaitingCall[] = [];
  for (const r of rows) {
    const queueId = r.queued.queue?.id;
    if (!queueId || known.has(r.id) || !holding.get(`${HOLD_BRIDGE}${r.id}`)?.includes(r.channel_id)) continue;
    out.push({
      callId: r.id,
      queueId,
      priority: typeof r.queued.queue?.priority === 'number' ? r.queued.queue.priority : 0,
      enteredMs: r.at.getTime(),
      skills: skillsFromData(r.data),
      pbxNode,
      channelId: r.channel_id,
      bridgeId: `${HOLD_BRIDGE}${r.id}`,
      survey: null,
      overflowFrom: r.queued.queue?.overflowFrom ?? null,
      attempts: 0,
    });
  }
  return out;
}
