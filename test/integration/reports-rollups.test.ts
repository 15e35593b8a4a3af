// The quarter-hour rollups against the KPI engine, the reference: random journals written
// to the outbox on a real Postgres, folded by the rollup worker, reported per interval and
// zone (whole, half and three-quarter hour offsets, a DST change, a month end) over random
// quarter-hour ranges, must give exactly the engine's rows.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Granularity } from '../../src/reports/buckets.js';
import { journalTail, KPI_EVENT_TYPES } from '../../src/reports/journal.js';
import { journalHead } from '../../src/events/journal.js';
import { computeKpis, type JournalEvent } from '../../src/reports/kpi.js';
import { addDays, localMidnight } from '../../src/local-time.js';
import { dayTierRange, ensureDayZone } from '../../src/reports/rollup-day.js';
import { agentKpi, agentReport, quarterRows, queueKpi, queueReport, rollupRangeProblem, type RollupQuery } from '../../src/reports/rollup-query.js';
import { RollupWorker } from '../../src/reports/rollup-worker.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { BASE, journalArb, SPAN_MS, writeJournal } from '../helpers/kpi-streams.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const Q = 900_000;
const ZONES = ['UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'America/St_Johns', 'Australia/Eucla', 'Pacific/Chatham'];
const GRANULARITIES: Granularity[] = ['15m', '30m', '60m', 'day', 'month'];

const queryArb = fc.record({
  granularity: fc.constantFrom(...GRANULARITIES),
  timeZone: fc.constantFrom(...ZONES),
  // Quarter hours from a day before the journal to a day after it.
  fromQ: fc.integer({ min: -96, max: (SPAN_MS / Q) + 96 }),
  lengthQ: fc.integer({ min: 1, max: (SPAN_MS / Q) + 192 }),
  serviceLevelSeconds: fc.constantFrom(0, 5, 20, 60, 3600),
  fcrHours: fc.constantFrom(1, 2, 24, 720),
  dissatisfiedAtOrBelow: fc.constantFrom(1, 2, 2.5, 5),
});

async function reset(): Promise<void> {
  await t.db.query('TRUNCATE outbox, kpi_rollups, kpi_rollups_day, kpi_rollups_month, kpi_rollup_day_zones, kpi_call_answers, kpi_agent_context, kpi_open_answers');
  await t.db.query('UPDATE kpi_rollup_position SET sequence = 0');
}

/** Where a worker that folded everything stands: the newest KPI event's journal position. */
async function lastKpiPosition(): Promise<number> {
  await journalHead(t.db);
  const { rows } = await t.db.query<{ p: string | null }>('SELECT max(position) AS p FROM outbox WHERE type = ANY($1)', [KPI_EVENT_TYPES]);
  return Number(rows[0]?.p ?? 0);
}

/** Month rows that differ from the sum of their day rows (either missing counts). */
async function monthsOffTheirDays(): Promise<unknown[]> {
  const { rows } = await t.db.query(`
    WITH days AS (SELECT kind, subject, zone, date_trunc('month', day)::date AS month, sum(answered)::int AS answered,
        sum(logged_in_ms) AS logged_in_ms, sum(hold_ms) AS hold_ms, sum(logouts)::int AS logouts, kpi_jsonb_sum(waits) AS waits,
        kpi_jsonb_sum(not_ready_by_reason) AS reasons, kpi_jsonb_sum(ratings) AS ratings, kpi_jsonb_sum(fcr_repeats) AS repeats,
        count(*) FILTER (WHERE logged_in_ms > 0)::int AS days
      FROM kpi_rollups_day GROUP BY 1, 2, 3, 4),
    months AS (SELECT kind, subject, zone, month, answered, logged_in_ms, hold_ms, logouts, waits, not_ready_by_reason AS reasons,
        ratings, fcr_repeats AS repeats, days FROM kpi_rollups_month)
    SELECT * FROM days d FULL JOIN months m USING (kind, subject, zone, month)
     WHERE (d.answered, d.logged_in_ms, d.hold_ms, d.logouts, d.waits, d.reasons, d.ratings, d.repeats, d.days)
       IS DISTINCT FROM (m.answered, m.logged_in_ms, m.hold_ms, m.logouts, m.waits, m.reasons, m.ratings, m.repeats, m.days)`);
  return rows;
}

function compare(events: JournalEvent[], rollups: { queues: unknown[]; agents: unknown[] }, q: RollupQuery): void {
  const engine = computeKpis(events, { ...q, granularity: q.granularity });
  expect(rollups.queues, `queues ${JSON.stringify(q)}`).toEqual(engine.queues);
  expect(rollups.agents, `agents ${JSON.stringify(q)}`).toEqual(engine.agents);
}

describe('KPI rollups', () => {
  it('report exactly what the engine computes from the raw journal, for any interval, zone and quarter-hour range', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(journalArb, fc.array(queryArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 60 }), async (events, queries, batch) => {
        await reset();
        await writeJournal(t.db, events);
        // Small random batches: a figure must not depend on where a batch ends.
        expect(await new RollupWorker({ db: t.db, batch }).catchUp({ until: await journalTail(t.db) })).toBe(true);
        for (const x of queries) {
          const from = new Date(BASE + x.fromQ * Q);
          const q: RollupQuery = { ...x, from, to: new Date(from.getTime() + x.lengthQ * Q) };
          expect(rollupRangeProblem(q.from, q.to, q.timeZone)).toBeNull();
          compare(events, { queues: await queueReport(t.db, q), agents: await agentReport(t.db, q) }, q);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('answers whole local days from the day tier exactly as the quarter hours and the engine do, in every zone', { timeout: 300_000 }, async () => {
    const dayQueryArb = fc.record({
      granularity: fc.constantFrom<Granularity>('day', 'month'),
      timeZone: fc.constantFrom(...ZONES),
      // From a month before the journal (28 March to 1 April, a DST change in Europe and a
      // month end): ranges of whole months, of cut months, and within one month.
      fromDay: fc.oneof(fc.integer({ min: -2, max: 4 }), fc.constantFrom(-27, -28, -31, 4)),
      lengthDays: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 28, max: 75 })),
      serviceLevelSeconds: fc.constantFrom(0, 20, 3600),
      fcrHours: fc.constantFrom(1, 24, 720),
      dissatisfiedAtOrBelow: fc.constantFrom(1, 2.5, 5),
    });
    await fc.assert(
      fc.asyncProperty(journalArb, fc.array(dayQueryArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 60 }), async (events, queries, batch) => {
        await reset();
        // All zones but the last have days while the fold runs; the last is filled afterwards from the quarter hours.
        for (const zone of ZONES.slice(0, -1)) await ensureDayZone(t.db, zone);
        await writeJournal(t.db, events);
        expect(await new RollupWorker({ db: t.db, batch }).catchUp({ until: await journalTail(t.db) })).toBe(true);
        expect(await ensureDayZone(t.db, ZONES.at(-1)!)).toBe(true);
        // Each month row is its days summed, agent-days included, however the batches fell.
        expect(await monthsOffTheirDays()).toEqual([]);
        for (const x of queries) {
          const first = addDays(new Date(BASE).toISOString().slice(0, 10), x.fromDay);
          const q: RollupQuery = {
            ...x,
            from: new Date(localMidnight(first, x.timeZone)),
            to: new Date(localMidnight(addDays(first, x.lengthDays), x.timeZone)),
          };
          expect(await dayTierRange(t.db, q)).toBeDefined();
          const quarters = {
            queues: (await quarterRows(t.db, 'q', q)).map((r) => queueKpi(r)),
            agents: (await quarterRows(t.db, 'a', q)).map((r) => agentKpi(r)),
          };
          const days = { queues: await queueReport(t.db, q), agents: await agentReport(t.db, q) };
          expect(days).toEqual(quarters);
          compare(events, days, q);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('folds each event once, whether a batch is retried or two workers race', async () => {
    const events = fc.sample(journalArb, { numRuns: 1, seed: 7 })[0]!;
    await reset();
    await writeJournal(t.db, events);
    const a = new RollupWorker({ db: t.db, batch: 7 });
    const b = new RollupWorker({ db: t.db, batch: 5 });
    const until = await journalTail(t.db);
    expect(await Promise.all([a.catchUp({ until }), b.catchUp({ until }), a.catchUp({ until })])).toEqual([true, true, true]);
    const q: RollupQuery = {
      from: new Date(BASE - 86_400_000), to: new Date(BASE + SPAN_MS + 86_400_000), granularity: 'day', timeZone: 'Europe/Berlin',
      serviceLevelSeconds: 20, fcrHours: 24, dissatisfiedAtOrBelow: 2,
    };
    compare(events, { queues: await queueReport(t.db, q), agents: await agentReport(t.db, q) }, q);
  });

  it('a started worker that polls rarely folds what a wake announces', async () => {
    const [first, second] = fc.sample(journalArb.filter((j) => j.length > 0), { numRuns: 2, seed: 11 });
    await reset();
    await writeJournal(t.db, first!);
    const worker = new RollupWorker({ db: t.db, intervalMs: 3_600_000, wakeGapMs: 0 });
    worker.start();
    try {
      const tail1 = await lastKpiPosition();
      await expect.poll(() => worker.position(), { timeout: 60_000 }).toBe(tail1);
      await writeJournal(t.db, second!);
      const tail2 = await lastKpiPosition();
      expect(tail2).toBeGreaterThan(tail1);
      worker.wake();
      await expect.poll(() => worker.position(), { timeout: 60_000 }).toBe(tail2);
    } finally {
      await worker.stop();
    }
  });

  it('reads a long answer a page at a time without losing or repeating a row', async () => {
    await reset();
    // 700 quarter hours of one queue: the cursor's pages of 250 rows end mid-answer.
    await t.db.query(`INSERT INTO kpi_rollups (kind, subject, bucket, offered, answered, waits)
      SELECT 'q', 'sales', to_timestamp(${BASE / 1000}) + g * interval '15 minutes', g, 1, jsonb_build_object((g % 40)::text, 1)
        FROM generate_series(0, 699) g`);
    const q: RollupQuery = {
      from: new Date(BASE), to: new Date(BASE + 700 * Q), granularity: '15m', timeZone: 'UTC',
      serviceLevelSeconds: 20, fcrHours: 24, dissatisfiedAtOrBelow: 2,
    };
    const paged = await queueReport(t.db, q);
    expect(paged).toHaveLength(700);
    expect(paged).toEqual((await quarterRows(t.db, 'q', q)).map((r) => queueKpi(r)));
    expect(paged.map((r) => r.offered)).toEqual(Array.from({ length: 700 }, (_, g) => g));
    // Waits of up to 20 s (keys 0–20 of 0–39) are within the target.
    expect(paged.map((r) => r.answeredWithinTarget)).toEqual(Array.from({ length: 700 }, (_, g) => (g % 40 <= 20 ? 1 : 0)));
  });

  it('names a range it cannot answer: edges off the quarter hour, zones offset by part of one', () => {
    const at = (s: string) => new Date(s);
    expect(rollupRangeProblem(at('2026-11-30T10:07:00Z'), at('2026-12-01T00:00:00Z'), 'UTC')).toMatch(/^from .* not on a quarter hour/);
    expect(rollupRangeProblem(at('2026-11-30T00:00:00Z'), at('2026-12-01T00:00:30Z'), 'UTC')).toMatch(/^to /);
    // Liberia kept Monrovia mean time (UTC−0:44:30, −0:44 to the minute) until 1972.
    expect(rollupRangeProblem(at('1971-01-01T00:00:00Z'), at('1971-01-02T00:00:00Z'), 'Africa/Monrovia')).toMatch(/part of a quarter hour/);
    expect(rollupRangeProblem(at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'), 'Asia/Kathmandu')).toBeNull();
  });
});
