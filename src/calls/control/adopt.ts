// Taking over calls another instance was driving (its lease lapsed or it stopped): the
// PBX still has their bridges, named after the calls, and Postgres their legs. A call is
// rebuilt from both; a transfer caught in flight is cancelled, the surest way back to a
// customer talking with an agent.
import type { Db } from '../../db/pool.js';
import type { AgentDesk } from '../agent-desk.js';
import { getCall, liveCalls, type Call } from '../repository.js';
import { addLeg } from './repository.js';
import { activeTransfer, type Transfer } from '../transfers/repository.js';
import type { LiveCall, LiveCalls } from './live.js';

export interface Adopted {
  live: LiveCall;
  transfer: Transfer | undefined;
}

/**
 * Calls of this node under call control whose main bridge still exists, rebuilt in `live`:
 * the call's own bridge, or the ACD's for a call the ACD handed over (its agent's leg is
 * then in the call's legs, which the ACD alone never writes).
 */
export async function adoptCalls(
  db: Db,
  pbxNode: string,
  live: LiveCalls,
  snapshot: { channelIds: ReadonlySet<string>; bridgeIds: ReadonlySet<string> },
  desk?: AgentDesk,
): Promise<Adopted[]> {
  const out: Adopted[] = [];
  for (const call of await liveCalls(db, pbxNode)) {
    if (live.call(call.id)) continue;
    const bridge = snapshot.bridgeIds.has(call.id) ? call.id : await handedOverBridge(db, call.id, snapshot, desk);
    if (!bridge) continue;
    out.push(await adoptOne(db, call, live, snapshot, bridge));
  }
  return out;
}

/**
 * Click-to-dial calls of this node that cannot be adopted: the agent's phone was dialled
 * (its channel, the call's linkedid, is there) but the call's bridge never was, because
 * the instance placing it stopped before the agent answered. Nobody else would dial the
 * customer or hang the agent up.
 */
export async function strandedDials(db: Db, pbxNode: string, live: LiveCalls, snapshot: { channelIds: ReadonlySet<string>; bridgeIds: ReadonlySet<string> }): Promise<Call[]> {
  return (await liveCalls(db, pbxNode)).filter(
    (c) => c.direction === 'outbound' && !live.call(c.id) && !snapshot.bridgeIds.has(c.id) && c.linkedid !== null && snapshot.channelIds.has(c.linkedid),
  );
}

async function handedOverBridge(db: Db, callId: string, snapshot: { bridgeIds: ReadonlySet<string> }, desk: AgentDesk | undefined): Promise<string | undefined> {
  const bridge = desk?.mixingBridge(callId);
  if (!bridge || !snapshot.bridgeIds.has(bridge)) return undefined;
  const { rows } = await db.query("SELECT 1 FROM call_legs WHERE call_id = $1 AND role = 'agent' AND ended_at IS NULL", [callId]);
  return rows.length ? bridge : undefined;
}

async function adoptOne(db: Db, call: Call, live: LiveCalls, snapshot: { channelIds: ReadonlySet<string>; bridgeIds: ReadonlySet<string> }, mainBridge: string): Promise<Adopted> {
  const { rows } = await db.query<{ channel_id: string; role: string; agent_id: string | null }>(
    'SELECT channel_id, role, agent_id FROM call_legs WHERE call_id = $1 AND ended_at IS NULL ORDER BY created_at',
    [call.id],
  );
  const transfer = await activeTransfer(db, call.id);
  // The agent is the transfer's initiator, or else the latest agent-side leg still open.
  const agentRows = rows.filter((r) => r.role === 'agent' || r.role === 'transfer_target');
  const agentRow = transfer ? rows.find((r) => r.channel_id === transfer.fromChannelId) : agentRows[agentRows.length - 1];
  const l: LiveCall = {
    callId: call.id,
    customer: call.channelId,
    agent: agentRow?.channel_id ?? transfer?.fromChannelId ?? '',
    mainBridge,
    ...(snapshot.bridgeIds.has(`${call.id}-hold`) ? { holdBridge: `${call.id}-hold` } : {}),
    ...(transfer ? { transferId: transfer.id } : {}),
    inbound: call.direction === 'inbound',
    ended: false,
  };
  live.addCall(l);
  const up = (id: string) => snapshot.channelIds.has(id);
  live.addLeg({ channelId: call.channelId, callId: call.id, role: 'customer', agentId: null }).up = up(call.channelId);
  for (const r of rows) {
    if (r.channel_id === call.channelId) continue;
    const isTarget = transfer?.targetChannelId === r.channel_id;
    const leg = live.addLeg({
      channelId: r.channel_id,
      callId: call.id,
      role: isTarget ? 'target' : 'agent',
      agentId: r.agent_id,
      ...(isTarget && transfer ? { transferId: transfer.id } : {}),
    });
    leg.up = up(r.channel_id);
  }
  return { live: l, transfer };
}

/**
 * A call the ACD connected (queue caller and agent in the ACD's mixing bridge) comes
 * under call control the first time it is held, transferred or hung up through the API:
 * the ACD hands it over and the call's bridge stays where the two already talk.
 */
export async function adoptFromDesk(db: Db, pbxNode: string, live: LiveCalls, desk: AgentDesk | undefined, callId: string): Promise<LiveCall | undefined> {
  if (!desk) return undefined;
  const call = await getCall(db, callId);
  if (!call || call.pbxNode !== pbxNode || call.state !== 'connected') return undefined;
  const taken = await desk.handOver(callId);
  if (!taken) return undefined;
  const l: LiveCall = { callId, customer: call.channelId, agent: taken.channelId, mainBridge: taken.bridgeId, inbound: true, ended: false };
  live.addCall(l);
  live.addLeg({ channelId: call.channelId, callId, role: 'customer', agentId: null }).up = true;
  live.addLeg({ channelId: taken.channelId, callId, role: 'agent', agentId: taken.agentId }).up = true;
  await addLeg(db, callId, call.channelId, 'customer', null);
  await addLeg(db, callId, taken.channelId, 'agent', taken.agentId);
  return l;
}
