// What the ACD keeps in Postgres about calls: agent legs (so call control finds an
// agent's channel of a call), queue entries and outcomes (the day's statistics), each
// written with the outbox event that announces it.
import { withTransaction, type Db, type Queryable } from '../db/pool.js';
import { getCall, transitionCallIn, type Call } from '../calls/repository.js';
import { currentTraceparent } from '../tracing/tracer.js';
import { announceCall, queueCallEvent } from './events.js';

export type OfferReason = 'queue' | 'transfer' | 'consult';

/**
 * An agent's leg of a call, with `call.offered` (timeline and outbox) when announced: one
 * statement, so one round trip and its own transaction, for every offer of every call.
 */
export async function recordOffer(
  db: Db,
  o: { offerId: string; callId: string; agentId: string; channelId: string | null; queueId: string | null; reason: OfferReason },
  announce?: { call: Call; extra: Record<string, unknown> },
): Promise<void> {
  const leg = [o.offerId, o.callId, o.agentId, o.channelId, o.queueId, o.reason];
  const upsert = `INSERT INTO acd_agent_legs (offer_id, call_id, agent_id, channel_id, queue_id, reason) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (offer_id) DO UPDATE SET channel_id = COALESCE(EXCLUDED.channel_id, acd_agent_legs.channel_id)`;
  if (!announce) {
    await db.query(upsert, leg);
    return;
  }
  const at = new Date();
  const event = queueCallEvent('call.offered', announce.call, announce.extra, at);
  await db.query({
    name: 'acd-offer',
    text: `WITH leg AS (${upsert}),
      timeline AS (INSERT INTO call_events (call_id, type, at, data) SELECT id, 'call.offered', $7, $8 FROM calls WHERE id = $2)
      INSERT INTO outbox (event_id, type, payload, trace_parent) VALUES ($9, 'call.offered', $10, $11)`,
    values: [...leg, at, JSON.stringify(announce.extra), event.id, JSON.stringify(event), currentTraceparent() ?? null],
  });
}

const LEG_ANSWERED = 'UPDATE acd_agent_legs SET answered_at = now() WHERE offer_id = $1 AND answered_at IS NULL';

export async function legAnswered(db: Queryable, offerId: string): Promise<void> {
  await db.query(LEG_ANSWERED, [offerId]);
}

export async function legEnded(db: Queryable, offerId: string, outcome: string): Promise<void> {
  await db.query('UPDATE acd_agent_legs SET ended_at = now(), outcome = $2 WHERE offer_id = $1 AND ended_at IS NULL', [offerId, outcome]);
}

export interface LegRow {
  offerId: string;
  callId: string;
  agentId: string;
  channelId: string | null;
  queueId: string | null;
  reason: OfferReason;
  answered: boolean;
}

/** Agent legs of this call not yet ended. */
export async function openLegs(db: Queryable, callId: string): Promise<LegRow[]> {
  const { rows } = await db.query(
    `SELECT offer_id, call_id, agent_id, channel_id, queue_id, reason, answered_at IS NOT NULL AS answered
     FROM acd_agent_legs WHERE call_id = $1 AND ended_at IS NULL ORDER BY offered_at`,
    [callId],
  );
  return rows.map(toLeg);
}

export async function openLegByChannel(db: Queryable, channelId: string): Promise<LegRow | undefined> {
  const { rows } = await db.query(
    `SELECT offer_id, call_id, agent_id, channel_id, queue_id, reason, answered_at IS NOT NULL AS answered
     FROM acd_agent_legs WHERE channel_id = $1 AND ended_at IS NULL`,
    [channelId],
  );
  return rows[0] ? toLeg(rows[0]) : undefined;
}

/** Every open leg (a takeover finds the calls the previous owner left). */
export async function allOpenLegs(db: Queryable): Promise<LegRow[]> {
  const { rows } = await db.query(
    `SELECT offer_id, call_id, agent_id, channel_id, queue_id, reason, answered_at IS NOT NULL AS answered
     FROM acd_agent_legs WHERE ended_at IS NULL`,
  );
  return rows.map(toLeg);
}

function toLeg(r: Record<string, any>): LegRow {
  return { offerId: r.offer_id, callId: r.call_id, agentId: r.agent_id, channelId: r.channel_id, queueId: r.queue_id, reason: r.reason, answered: r.answered };
}

/** The queue the call last entered (every entry, overflows too, is announced on the call's timeline), if any. */
export async function lastQueueOf(db: Queryable, callId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ queue_id: string }>(
    `SELECT data->'queue'->>'id' AS queue_id FROM call_events
     WHERE call_id = $1 AND type = 'call.queued' AND data->'queue'->>'id' IS NOT NULL ORDER BY id DESC LIMIT 1`,
    [callId],
  );
  return rows[0]?.queue_id;
}

/**
 * The call entered the queue: its entry row and `call.queued` in one statement, with the
 * move of the call to `queued` before it in one transaction when `toQueued` is given.
 */
export async function recordEntry(
  db: Db,
  callId: string,
  queueId: string,
  overflowFrom: string | null,
  extra: Record<string, unknown>,
  toQueued?: Record<string, unknown>,
  /** Settles when the caller is where a next owner finds them (on hold, listed in Redis): the entry commits only then. */
  findable?: Promise<unknown>,
): Promise<Call | undefined> {
  const entry = { name: 'entry', ctes: 'entry AS (INSERT INTO acd_queue_entries (queue_id, call_id, overflow_from) VALUES ($8, $1, $9))', values: [queueId, overflowFrom] };
  const insertAlone = (q: Queryable) => q.query('INSERT INTO acd_queue_entries (queue_id, call_id, overflow_from) VALUES ($1, $2, $3)', [queueId, callId, overflowFrom]);
  if (!toQueued) {
    // Nothing moves: the entry and its announcement are one statement, its own transaction.
    const [call] = await Promise.all([getCall(db, callId), findable]);
    if (call) await announceCall(db, 'call.queued', call, extra, new Date(), entry);
    else await insertAlone(db);
    return call;
  }
  return withTransaction(db, async (tx) => {
    // A call that cannot move to queued (already ended, say) is entered as it stands, as when the two were apart.
    const moved = (await transitionCallIn(tx, callId, [{ to: 'queued', data: toQueued }], new Date(), { skipIllegal: true })).current;
    const call = moved ?? (await getCall(tx, callId));
    if (call) await announceCall(tx, 'call.queued', call, extra, new Date(), entry);
    else await insertAlone(tx);
    await findable;
    return call;
  });
}

export interface QueueOutcome {
  callId: string;
  queueId: string;
  outcome: 'answered' | 'abandoned' | 'overflowed' | 'left';
  waitMs: number;
  short?: boolean;
  enteredMs: number;
}

export type OutcomeAnnouncement = { type: 'call.connected' | 'call.abandoned' | 'call.overflowed'; extra: Record<string, unknown> };

export async function recordOutcome(db: Db, o: QueueOutcome, announce?: OutcomeAnnouncement): Promise<void> {
  await withTransaction(db, (tx) => recordOutcomeIn(tx, o, announce));
}

/** An outcome row's values: queue, call, outcome, wait, short, entered. */
function outcomeValues(o: QueueOutcome): unknown[] {
  return [o.queueId, o.callId, o.outcome, Math.round(o.waitMs), o.short ?? false, new Date(o.enteredMs)];
}

/** recordOutcome in the caller's transaction; `call`, when the caller holds it, saves reading it again. */
async function recordOutcomeIn(tx: Queryable, o: QueueOutcome, announce?: OutcomeAnnouncement, call?: Call): Promise<void> {
  await tx.query('INSERT INTO acd_queue_outcomes (queue_id, call_id, outcome, wait_ms, short, entered_at) VALUES ($1, $2, $3, $4, $5, $6)', outcomeValues(o));
  if (announce) {
    const current = call ?? (await getCall(tx, o.callId));
    if (current) await announceCall(tx, announce.type, current, announce.extra);
  }
}

/**
 * An agent answered a queue call: their leg answered, the call connected and the queue's
 * `answered` outcome with `call.connected`, in one transaction (three commits before).
 * A call that cannot move to connected still gets its outcome, as when they were apart.
 */
export async function recordAnswer(
  db: Db,
  offerId: string,
  connected: Record<string, unknown>,
  o: QueueOutcome,
  announce: OutcomeAnnouncement,
): Promise<void> {
  await withTransaction(db, async (tx) => {
    // The call's row first, as every call change locks it; then the leg, the outcome and
    // `call.connected` in one statement (the leg's row is the only other one it locks).
    const { current } = await transitionCallIn(tx, o.callId, [{ to: 'connected', data: connected }], new Date(), { skipIllegal: true });
    const call = current ?? (await getCall(tx, o.callId));
    if (!call) {
      await legAnswered(tx, offerId);
      await recordOutcomeIn(tx, o);
      return;
    }
    await announceCall(tx, announce.type, call, announce.extra, new Date(), {
      name: 'answer',
      ctes: `leg AS (${LEG_ANSWERED.replace('$1', '$8')}),
      outcome AS (INSERT INTO acd_queue_outcomes (queue_id, call_id, outcome, wait_ms, short, entered_at) VALUES ($9, $1, $10, $11, $12, $13))`,
      values: [offerId, o.queueId, ...outcomeValues(o).slice(2)],
    });
  });
}
