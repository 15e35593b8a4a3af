// A synthetic history with the row shapes the service writes, generated inside Postgres
// (generate_series, one statement per table per day: nothing row by row from Node).
//
// Per call of a raw day: the call, its caller and agent legs, the ACD agent leg, eight
// timeline entries, the CDR with its detail, seventeen journal events, a webhook delivery
// and its attempt. Per quarter hour of a rollup day: a KPI row per queue and per agent on
// shift (two shifts of 8 h cover the agents), then the day tier filled from them. A year of
// raw journal at 20,000 calls a day is 100+ GB; what a year-old centre holds with retention
// on is the raw tables for the retention window plus a year of rollups, which is what
// `generateHistory` writes.
import type { Db } from '../src/db/pool.js';
import { ensureDayZone } from '../src/reports/rollup-day.js';

export interface Centre {
  agents: number;
  queues: number;
  callsPerDay: number;
}

export const DEFAULT_CENTRE: Centre = { agents: 300, queues: 10, callsPerDay: 20_000 };

const DAY = 86_400_000;

/** Once per database: the scratch tables and sequence the day writer uses. */
export async function prepareHistory(db: Db): Promise<void> {
  await db.query(`CREATE SEQUENCE IF NOT EXISTS bench_pos START 1`);
  await db.query(`CREATE UNLOGGED TABLE IF NOT EXISTS bench_day (id uuid, n int, at timestamptz, agent text, queue text)`);
  await db.query(`INSERT INTO webhook_subscriptions (id, url, secret)
    SELECT gen_random_uuid(), 'https://crm.example.com/hook', 'whsec_bench' WHERE NOT EXISTS (SELECT 1 FROM webhook_subscriptions)`);
}

/** One day of raw rows: `c.callsPerDay` calls spread over the day from `day` (UTC midnight). */
export async function writeRawDay(db: Db, c: Centre, day: Date, dayIndex: number): Promise<void> {
  const p = [day, c.callsPerDay, dayIndex * c.callsPerDay, c.agents, c.queues];
  await db.query('TRUNCATE bench_day');
  await db.query(`INSERT INTO bench_day SELECT gen_random_uuid(), $3::int + g, $1::timestamptz + ((g * 37) % 82800) * interval '1 second',
      'agent-' || (g % $4::int), 'queue-' || (g % $5::int) FROM generate_series(1, $2::int) g`, p);
  await db.query(`INSERT INTO calls (id, pbx_node, channel_id, linkedid, direction, caller_number, caller_name, dnis, state, data, created_at, answered_at, ended_at, hangup_cause, updated_at)
    SELECT id, 'pbx1', '1733560000.' || n, '1733560000.' || n, 'inbound', '+4930' || (1000000 + n % 200000), 'Caller ' || n, '100', 'ended',
      '{"ivr":{"choice":"1","order":"A-1001"}}', at, at + interval '20 s', at + interval '200 s', 16, at + interval '200 s' FROM bench_day`);
  await db.query(`INSERT INTO call_legs (call_id, channel_id, role, created_at, ended_at, agent_id)
    SELECT id, '1733560000.' || n || suffix, role, at, at + interval '200 s', CASE WHEN role = 'agent' THEN agent END FROM bench_day,
      (VALUES ('', 'caller'), ('-a', 'agent')) v(suffix, role)`);
  await db.query(`INSERT INTO acd_agent_legs (offer_id, call_id, agent_id, channel_id, queue_id, reason, offered_at, answered_at, ended_at, outcome)
    SELECT 'offer-' || n, id, agent, '1733560000.' || n || '-a', queue, 'queue', at + interval '15 s', at + interval '20 s', at + interval '200 s', 'completed' FROM bench_day`);
  await db.query(`INSERT INTO call_events (call_id, type, at, data)
    SELECT id, type, at + k * interval '20 s', jsonb_build_object('from', 'ringing', 'node', 'menu-' || k, 'digits', '1') FROM bench_day,
      unnest(ARRAY['call.created','call.answered','ivr.step','ivr.step','call.queued','agent.offered','call.connected','call.ended']) WITH ORDINALITY AS e(type, k)`);
  await db.query(`INSERT INTO cdrs (id, call_id, pbx_node, linkedid, direction, caller_number, caller_name, dnis, started_at, answered_at, ended_at, duration_ms, talk_ms, disposition, hangup_cause, data, detail, created_at)
    SELECT gen_random_uuid(), id, 'pbx1', '1733560000.' || n, 'inbound', '+4930' || (1000000 + n % 200000), 'Caller ' || n, '100', at, at + interval '20 s', at + interval '200 s', 200000, 150000, 'answered', 16,
      '{"ivr":{"choice":"1"}}', jsonb_build_object('legs', jsonb_build_array(jsonb_build_object('role', 'caller', 'talkMs', 150000),
        jsonb_build_object('role', 'agent', 'agentId', agent, 'talkMs', 150000, 'holdMs', 0, 'wrapUpMs', 20000)),
        'queue', jsonb_build_object('id', queue, 'waitMs', 12000), 'transfers', '[]'::jsonb, 'survey', null), at + interval '200 s' FROM bench_day`);
  await db.query(`INSERT INTO outbox (event_id, type, payload, created_at, published_at, fanned_out_at, position)
    SELECT e.eid, e.type, jsonb_build_object('id', e.eid, 'type', e.type, 'version', 1, 'occurredAt', at + k * interval '10 s', 'callId', id, 'pbxNode', 'pbx1',
        'data', jsonb_build_object('callId', id, 'state', 'connected', 'callerNumber', '+4930' || (1000000 + n % 200000), 'dnis', '100', 'queueId', queue, 'agentId', agent, 'data', '{"ivr":{"choice":"1"}}'::jsonb)),
      at + k * interval '10 s', at + k * interval '10 s', at + k * interval '10 s', nextval('bench_pos')
    -- The WHERE makes the lateral per call: otherwise its ids would be drawn once for all calls.
    FROM bench_day, LATERAL (SELECT gen_random_uuid() AS eid, 'call.event.' || k AS type, k FROM generate_series(1, 17) k WHERE bench_day.id IS NOT NULL) e`);
  await db.query(`INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, status, attempts, last_status_code, created_at, updated_at, delivered_at)
    SELECT gen_random_uuid(), (SELECT id FROM webhook_subscriptions LIMIT 1), gen_random_uuid(), 'cdr.created', 'delivered', 1, 200, at + interval '201 s', at + interval '201 s', at + interval '201 s' FROM bench_day`);
  await db.query(`INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, duration_ms)
    SELECT id, 1, created_at, 200, 35 FROM webhook_deliveries WHERE created_at >= $1::timestamptz AND created_at < $1::timestamptz + interval '1 day'`, [day]);
  // The journal is read as fully folded: the rollup position follows the head.
  await db.query(`UPDATE journal_state SET head = (SELECT last_value FROM bench_pos)`);
  // History was published and fanned out long ago: the relay and its sweep start after it.
  await db.query(`UPDATE outbox_relay_state SET published_upto = (SELECT last_value FROM bench_pos)`);
  await db.query(`UPDATE outbox_sweep_state SET swept_upto = (SELECT last_value FROM bench_pos)`);
  await db.query(`UPDATE kpi_rollup_position SET sequence = (SELECT last_value FROM bench_pos)`);
}

/**
 * Quarter-hour KPI rows for the days [from, from + days): every queue every quarter hour,
 * each agent in the quarter hours of its shift, with the histograms the fold keeps; then
 * the day tier of `zones` from them.
 */
export async function writeRollups(db: Db, c: Centre, from: Date, days: number, zones: string[]): Promise<void> {
  const perQuarter = Math.max(1, Math.round(c.callsPerDay / 96 / c.queues));
  // A month at a time keeps each statement's memory small.
  for (let d = 0; d < days; d += 30) {
    const start = new Date(from.getTime() + d * DAY);
    const n = Math.min(30, days - d) * 96;
    await db.query(`INSERT INTO kpi_rollups (kind, subject, bucket, offered, answered, waits, wait_ms_answered, abandoned, short_abandoned,
        talk_ms, hold_ms, wrap_up_ms, transfers, fcr_eligible, fcr_repeats, surveys, ratings)
      SELECT 'q', 'queue-' || q, $1::timestamptz + s * interval '15 minutes', $3::int, $3::int - 1, jsonb_build_object('5', $3::int - 3, '30', 2),
        ($3::int - 1) * 12000.0, 1, 0, ($3::int - 1) * 150000.0, 3000.0, ($3::int - 1) * 20000.0, 1, $3::int - 1, '{"3": 1}'::jsonb, 2, '{"4": 1, "2": 1}'::jsonb
      FROM generate_series(0, $2::int - 1) s, generate_series(0, $4::int - 1) q`, [start, n, perQuarter, c.queues]);
    await db.query(`INSERT INTO kpi_rollups (kind, subject, bucket, answered, talk_ms, hold_ms, wrap_up_ms, logged_in_ms, ready_ms, on_call_ms,
        not_ready_ms, not_ready_by_reason, logouts, transfers, fcr_eligible, fcr_repeats, surveys, ratings)
      SELECT 'a', 'agent-' || a, $1::timestamptz + s * interval '15 minutes', 1, 150000.0, 3000.0, 20000.0, 900000.0, 500000.0, 230000.0,
        170000.0, '{"break": 170000}'::jsonb, (s % 96 = 6 + 32 * (a % 2) + 31)::int, 0, 1, '{}'::jsonb, 0, '{}'::jsonb
      FROM generate_series(0, $2::int - 1) s, generate_series(0, $3::int - 1) a
      WHERE s % 96 >= 6 + 32 * (a % 2) AND s % 96 < 6 + 32 * (a % 2) + 32`, [start, n, c.agents]);
  }
  for (const zone of zones) await ensureDayZone(db, zone);
}

/** Raw days [rawFrom, rawFrom + rawDays) and rollups for `rollupDays` ending where the raw days end. */
export async function generateHistory(db: Db, c: Centre, o: { rawFrom: Date; rawDays: number; rollupDays: number; zones: string[]; log?: (m: string) => void }): Promise<void> {
  await prepareHistory(db);
  for (let d = 0; d < o.rawDays; d++) {
    await writeRawDay(db, c, new Date(o.rawFrom.getTime() + d * DAY), d);
    o.log?.(`raw day ${d + 1}/${o.rawDays}`);
  }
  await writeRollups(db, c, new Date(o.rawFrom.getTime() + (o.rawDays - o.rollupDays) * DAY), o.rollupDays, o.zones);
  o.log?.(`${o.rollupDays} days of rollups`);
  await db.query('VACUUM ANALYZE');
}
