// `npm run bench retention`: the database size per call stays flat once retention runs.
// Days of traffic with the row shapes the service writes per call (the call, two legs,
// eight timeline entries, the CDR with its detail, seventeen journal events, a webhook
// delivery and its attempt) are written one simulated day at a time, each day followed by
// the retention job (every kind kept RETAIN days) and a plain VACUUM, as autovacuum would.
// Baseline: bytes per retained call once the first retention window is full; subject: the
// same after three windows. Also the journal's commit-to-readable latency (a writer
// commits, a reader pages until it has the event), alone and with a transaction left open
// in another database of the cluster: it must not wait for it.
import { createLogger } from '../src/log.js';
import { readJournal, journalHead } from '../src/events/journal.js';
import { withTransaction } from '../src/db/pool.js';
import { appendOutbox } from '../src/events/outbox.js';
import { RetentionMaintenance } from '../src/retention/maintenance.js';
import { DEFAULT_RETENTION_DAYS, type RetentionDays } from '../src/retention/rules.js';
import { createTestDatabase } from '../test/helpers/db.js';
import type { BenchResult } from './types.js';

const DAY = 86_400_000;
const CALLS_PER_DAY = Number(process.env.BENCH_RETENTION_CALLS_PER_DAY ?? 2_000);
const RETAIN = 3;
const DAYS = RETAIN * 3;

async function writeDay(db: import('../src/db/pool.js').Db, day: Date, dayIndex: number): Promise<void> {
  // One statement per table, generate_series over the day's calls; ids and payload sizes as the service writes them.
  const p = [day, CALLS_PER_DAY, dayIndex * CALLS_PER_DAY];
  await db.query('TRUNCATE bench_day');
  await db.query(`INSERT INTO bench_day SELECT gen_random_uuid(), $3::int + g, $1::timestamptz + ((g * 37) % 82800) * interval '1 second' FROM generate_series(1, $2::int) g`, p);
  await db.query(`INSERT INTO calls (id, pbx_node, channel_id, linkedid, direction, caller_number, caller_name, dnis, state, data, created_at, answered_at, ended_at, hangup_cause, updated_at)
    SELECT id, 'pbx1', '1733560000.' || n, '1733560000.' || n, 'inbound', '+4930' || (1000000 + n), 'Caller ' || n, '100', 'ended',
      '{"ivr":{"choice":"1","order":"A-1001"}}', at, at + interval '20 s', at + interval '200 s', 16, at + interval '200 s' FROM bench_day`);
  await db.query(`INSERT INTO call_legs (call_id, channel_id, role, created_at, ended_at, agent_id)
    SELECT id, '1733560000.' || n || suffix, role, at, at + interval '200 s', agent FROM bench_day,
      (VALUES ('', 'caller', NULL), ('-a', 'agent', 'agent-7')) v(suffix, role, agent)`);
  await db.query(`INSERT INTO call_events (call_id, type, at, data)
    SELECT id, type, at + k * interval '20 s', jsonb_build_object('from', 'ringing', 'node', 'menu-' || k, 'digits', '1') FROM bench_day,
      unnest(ARRAY['call.created','call.answered','ivr.step','ivr.step','call.queued','agent.offered','call.connected','call.ended']) WITH ORDINALITY AS e(type, k)`);
  await db.query(`INSERT INTO cdrs (id, call_id, pbx_node, linkedid, direction, caller_number, caller_name, dnis, started_at, answered_at, ended_at, duration_ms, talk_ms, disposition, hangup_cause, data, detail, created_at)
    SELECT gen_random_uuid(), id, 'pbx1', '1733560000.' || n, 'inbound', '+4930' || (1000000 + n), 'Caller ' || n, '100', at, at + interval '20 s', at + interval '200 s', 200000, 150000, 'answered', 16,
      '{"ivr":{"choice":"1"}}', '{"legs":[{"role":"caller","talkMs":150000},{"role":"agent","agentId":"agent-7","talkMs":150000,"holdMs":0,"wrapUpMs":20000}],"queue":{"id":"sales","waitMs":12000},"transfers":[],"survey":null}', at + interval '200 s' FROM bench_day`);
  await db.query(`INSERT INTO outbox (event_id, type, payload, created_at, published_at, fanned_out_at, position)
    SELECT e.eid, e.type, jsonb_build_object('id', e.eid, 'type', e.type, 'version', 1, 'occurredAt', at + k * interval '10 s', 'callId', id, 'pbxNode', 'pbx1',
        'data', jsonb_build_object('callId', id, 'state', 'connected', 'callerNumber', '+4930' || (1000000 + n), 'dnis', '100', 'queueId', 'sales', 'agentId', 'agent-7', 'data', '{"ivr":{"choice":"1"}}'::jsonb)),
      at + k * interval '10 s', at + k * interval '10 s', at + k * interval '10 s', nextval('bench_pos')
    FROM bench_day, LATERAL (SELECT gen_random_uuid() AS eid, 'call.event.' || k AS type, k FROM generate_series(1, 17) k) e`);
  await db.query(`INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, status, attempts, last_status_code, created_at, updated_at, delivered_at)
    SELECT gen_random_uuid(), (SELECT id FROM webhook_subscriptions LIMIT 1), gen_random_uuid(), 'cdr.created', 'delivered', 1, 200, at + interval '201 s', at + interval '201 s', at + interval '201 s' FROM bench_day`);
  await db.query(`INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, duration_ms)
    SELECT id, 1, created_at, 200, 35 FROM webhook_deliveries WHERE created_at >= $1::timestamptz AND created_at < $1::timestamptz + interval '1 day'`, [day]);
  await db.query(`UPDATE journal_state SET head = (SELECT last_value FROM bench_pos)`);
}

async function size(db: import('../src/db/pool.js').Db): Promise<{ bytes: number; calls: number }> {
  const { rows } = await db.query<{ bytes: string; calls: string }>(
    `SELECT (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace) AS bytes,
            (SELECT count(*) FROM calls) AS calls`,
  );
  return { bytes: Number(rows[0]!.bytes), calls: Number(rows[0]!.calls) };
}

/** Commit to readable: a writer commits, a reader asks at once; how long until it has the event. */
async function journalLatency(db: import('../src/db/pool.js').Db): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  let cursor = await journalHead(db);
  for (let i = 0; i < 300; i++) {
    const e = await withTransaction(db, (tx) => appendOutbox(tx, { type: 'order.created', data: { i } }));
    const t0 = performance.now();
    for (;;) {
      const page = await readJournal(db, cursor, 100);
      cursor = page.next;
      if (page.entries.some((x) => x.event.id === e.id)) break;
    }
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)]!, p99: samples[Math.floor(samples.length * 0.99)]! };
}

export async function run(): Promise<BenchResult[]> {
  const t = await createTestDatabase();
  try {
    const db = t.db;
    await db.query(`CREATE SEQUENCE bench_pos START 1`);
    await db.query(`CREATE UNLOGGED TABLE bench_day (id uuid, n int, at timestamptz)`);
    await db.query(`INSERT INTO webhook_subscriptions (id, url, secret) VALUES (gen_random_uuid(), 'https://crm.example.com/hook', 'whsec_bench')`);
    const days = Object.fromEntries(Object.keys(DEFAULT_RETENTION_DAYS).map((k) => [k, RETAIN])) as RetentionDays;
    const log = createLogger('silent');
    // The simulated days start tomorrow, past the partition that held the tables before partitioning.
    const first = new Date(Math.ceil(Date.now() / DAY) * DAY + DAY);
    const perCall: number[] = [];
    for (let d = 0; d < DAYS; d++) {
      const day = new Date(first.getTime() + d * DAY);
      const now = new Date(day.getTime() + DAY);
      // The job creates tomorrow's partitions before the day's rows arrive, as it does in service.
      await new RetentionMaintenance({ db, days, log, now: () => day, aheadDays: 2 }).runOnce();
      await writeDay(db, day, d);
      await new RetentionMaintenance({ db, days, log, now: () => now, aheadDays: 2 }).runOnce();
      await db.query('VACUUM');
      const s = await size(db);
      perCall.push(s.bytes / CALLS_PER_DAY);
      console.error(`day ${d + 1}: ${(s.bytes / 2 ** 20).toFixed(1)} MiB, ${s.calls} calls kept, ${(s.bytes / CALLS_PER_DAY / 1024).toFixed(1)} KiB per call of a day`);
    }
    const full = perCall[RETAIN]!;
    const late = perCall[DAYS - 1]!;
    const quiet = await journalLatency(db);
    // The same with a transaction left open in another database of the cluster.
    const other = await createTestDatabase({ migrate: false });
    const long = await other.db.connect();
    let busy: { p50: number; p99: number };
    try {
      await long.query('BEGIN');
      await long.query('SELECT pg_current_xact_id()');
      busy = await journalLatency(db);
    } finally {
      await long.query('ROLLBACK').catch(() => undefined);
      long.release();
      await other.drop();
    }
    return [
      {
        name: 'retention-size',
        baseline: { label: `bytes per daily call, day ${RETAIN + 1}`, perSecond: full, unit: 'B' },
        subject: { label: `day ${DAYS}`, perSecond: late, unit: 'B' },
        ratio: late / full,
        target: '<= 110% (flat)',
        pass: late / full <= 1.1,
      },
      {
        name: 'journal-visible',
        baseline: { label: `commit to readable p50 (p99 ${quiet.p99.toFixed(1)} ms)`, perSecond: quiet.p50, unit: 'ms' },
        subject: { label: `same, another database's transaction open, p50 (p99 ${busy.p99.toFixed(1)} ms)`, perSecond: busy.p50, unit: 'ms' },
        ratio: busy.p50 / quiet.p50,
        target: '<= 150%: no wait for other transactions',
        pass: busy.p50 / quiet.p50 <= 1.5,
      },
    ];
  } finally {
    await t.drop();
  }
}
