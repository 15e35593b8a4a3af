// Report REST API: KPIs per queue and agent (JSON or CSV) and the daily quality lists.
// KPIs come from the quarter-hour rollups (rollup-query.ts), brought up to the journal's
// newest event first; the quality list folds one day of the journal (quality.ts).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/pool.js';
import { ProblemError } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { addDays, isTimeZone, localMidnight } from '../local-time.js';
import type { Granularity } from './buckets.js';
import { toCsv } from './csv.js';
import { journalTail, readJournal } from './journal.js';
import { qualityList } from './quality.js';
import { csvBody, jsonBody } from './chunked.js';
import { agentKpi, queueKpi, reportRows, rollupRangeProblem, type RollupQuery, type RollupRow } from './rollup-query.js';
import { RollupWorker } from './rollup-worker.js';
import { AgentKpiSchema, AgentReport, KpiQuery, QualityQuery, QualityReport, QueueKpiSchema, QueueReport } from './schemas.js';

const TAGS = ['reports'];
const DAY = 86_400_000;
/** Longest range per interval: keeps one answer's size bounded. */
export const MAX_RANGE_DAYS: Record<Granularity, number> = { '15m': 31, '30m': 62, '60m': 62, day: 366, month: 1096 };
/** How long a report waits for the rollups to reach the journal's newest event. */
const CATCH_UP_MS = 10_000;

/** The query with its documented defaults (the validator does not fill them in). */
function withDefaults(q: Partial<KpiQueryT> & { from: string; to: string }): KpiQueryT {
  return {
    interval: '60m', timeZone: 'UTC', serviceLevelSeconds: 20, fcrHours: 24, dissatisfiedAtOrBelow: 2,
    ...stripUndefined(q),
  } as KpiQueryT;
}

interface KpiQueryT {
  from: string;
  to: string;
  interval: Granularity;
  timeZone: string;
  serviceLevelSeconds: number;
  fcrHours: number;
  dissatisfiedAtOrBelow: number;
  queueId?: string;
  agentId?: string;
  format?: 'json' | 'csv';
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function checkRange(q: KpiQueryT): { from: Date; to: Date } {
  const from = new Date(q.from);
  const to = new Date(q.to);
  if (!(from < to)) throw new ProblemError(422, `the range is inverted or empty: from ${q.from} is not before to ${q.to}`);
  const max = MAX_RANGE_DAYS[q.interval];
  if (to.getTime() - from.getTime() > max * DAY)
    throw new ProblemError(422, `the range is too long for interval ${q.interval}: at most ${max} days`, { maxDays: max });
  if (!isTimeZone(q.timeZone)) throw new ProblemError(422, `timeZone '${q.timeZone}' is not an IANA time zone`);
  const problem = rollupRangeProblem(from, to, q.timeZone);
  if (problem) throw new ProblemError(422, problem);
  return { from, to };
}

function wantsCsv(req: FastifyRequest, format?: string): boolean {
  if (format) return format === 'csv';
  const accept = req.headers.accept ?? '';
  return /text\/csv/.test(accept) && !/application\/json/.test(accept);
}

function sendCsv(reply: FastifyReply, name: string, columns: string[], rows: Array<Record<string, unknown>>): FastifyReply {
  return csvReply(reply, name).send(toCsv(columns, rows));
}

const csvReply = (reply: FastifyReply, name: string) =>
  reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`);

export async function reportRoutes(app: FastifyInstance, opts: { db: Db; rollups?: RollupWorker }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const rollups = opts.rollups ?? new RollupWorker({ db: opts.db });

  async function query(q: KpiQueryT, subject?: string): Promise<RollupQuery> {
    const { from, to } = checkRange(q);
    // Everything written before the request counts; a journal held back longer than the
    // wait (a transaction left open somewhere) is answered as far as it is folded.
    await rollups.catchUp({ until: await journalTail(opts.db), deadline: Date.now() + CATCH_UP_MS });
    const { interval: granularity, timeZone, serviceLevelSeconds, fcrHours, dissatisfiedAtOrBelow } = q;
    return { from, to, granularity, timeZone, serviceLevelSeconds, fcrHours, dissatisfiedAtOrBelow, subject };
  }
  const envelope = (q: KpiQueryT) => ({ from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(), interval: q.interval, timeZone: q.timeZone });

  /** The queue or agent report: one row per subject and interval, streamed as JSON or CSV. */
  async function kpiReport(req: FastifyRequest, reply: FastifyReply, kind: 'q' | 'a', subjectOf: (q: KpiQueryT) => string | undefined) {
    const q = withDefaults(req.query as KpiQueryT);
    const rows = await reportRows(opts.db, kind, await query(q, subjectOf(q)));
    const [name, columns, shape] =
      kind === 'q' ? (['queues', QueueKpiSchema.properties, queueKpi] as const) : (['agents', AgentKpiSchema.properties, agentKpi] as const);
    if (wantsCsv(req, q.format)) return csvReply(reply, name).send(csvBody(Object.keys(columns), rows, shape as never));
    // A stream bypasses the schema's serializer; queueKpi/agentKpi build exactly the schema's rows.
    return reply.type('application/json; charset=utf-8').send(jsonBody<RollupRow, unknown>(envelope(q), rows, shape) as never);
  }

  r.get(
    '/v1/reports/queues',
    {
      config: { scopes: ['reports:read'] },
      schema: {
        tags: TAGS,
        summary: 'KPIs per queue and interval',
        description:
          'Offered, answered, abandoned (short abandons apart), service level (answered within T over offered minus ' +
          'short abandons), ASA, handle and talk time, transfer rate, first-call resolution, satisfaction and ' +
          'not-rated share, from quarter-hour rollups of the event journal. Intervals follow the local clock of `timeZone`. ' +
          'An inverted range, one longer than the interval allows (15m: 31 days, 30m/60m: 62, day: 366, month: 1096), ' +
          '`from` or `to` off the quarter hour, or a zone offset from UTC by part of a quarter hour is a 422.',
        querystring: KpiQuery,
        response: { 200: QueueReport, ...problemResponses(...authProblems, 422) },
      },
    },
    (req, reply) => kpiReport(req, reply, 'q', (q) => q.queueId),
  );

  r.get(
    '/v1/reports/agents',
    {
      config: { scopes: ['reports:read'] },
      schema: {
        tags: TAGS,
        summary: 'KPIs per agent and interval',
        description:
          'Answered calls, calls per logged-in hour, occupancy ((on call + wrap-up) over logged-in time), not-ready ' +
          'time by reason and rate, log-outs (and per agent-day), handle time (talk + hold + wrap-up), transfer rate, ' +
          'first-call resolution and satisfaction. Same range rules as the queue report.',
        querystring: KpiQuery,
        response: { 200: AgentReport, ...problemResponses(...authProblems, 422) },
      },
    },
    (req, reply) => kpiReport(req, reply, 'a', (q) => q.agentId),
  );

  r.get(
    '/v1/reports/quality',
    {
      config: { scopes: ['reports:read'] },
      schema: {
        tags: TAGS,
        summary: 'Daily lists of dissatisfied and unrated calls',
        description:
          'Every post-call survey of the local day rated at or below `dissatisfiedAtOrBelow` (dissatisfied) or not ' +
          'rated, with the agent and queue that answered and the recording link from the call data when present.',
        querystring: QualityQuery,
        response: { 200: QualityReport, ...problemResponses(...authProblems, 422) },
      },
    },
    async (req, reply) => {
      const q = { timeZone: 'UTC', list: 'all' as const, dissatisfiedAtOrBelow: 2, ...stripUndefined(req.query) };
      if (!isTimeZone(q.timeZone)) throw new ProblemError(422, `timeZone '${q.timeZone}' is not an IANA time zone`);
      const from = new Date(localMidnight(q.date, q.timeZone));
      const to = new Date(localMidnight(addDays(q.date, 1), q.timeZone));
      const journal = await readJournal(opts.db, { from, to, lookBehindMs: DAY, lookAheadMs: 0, types: ['call.connected', 'survey.completed'] });
      const items = qualityList(journal, {
        from,
        to,
        dissatisfiedAtOrBelow: q.dissatisfiedAtOrBelow,
        lists: q.list === 'all' ? ['dissatisfied', 'unrated'] : [q.list],
      });
      if (wantsCsv(req, q.format))
        return sendCsv(reply, `quality-${q.date}`, ['list', 'at', 'callId', 'rating', 'caller.number', 'caller.name', 'agentId', 'queueId', 'recordingUrl'], items as never);
      return { date: q.date, timeZone: q.timeZone, items };
    },
  );
}
