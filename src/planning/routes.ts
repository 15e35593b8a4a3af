// Planning REST API: staffing for one interval and a 24-hour forecast per half hour.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/pool.js';
import { ProblemError } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { UnstableQueue } from './erlang.js';
import { forecast, lookbackDates } from './forecast.js';
import { historicalHandleSeconds, offeredHistory } from './history.js';
import { addDays, isTimeZone } from '../local-time.js';
import { ForecastBody, ForecastResponse, StaffingBody, StaffingResponse } from './schemas.js';
import { StaffingError, staffing } from './staffing.js';

const TAGS = ['planning'];

function unprocessable(err: unknown): never {
  if (err instanceof UnstableQueue || err instanceof StaffingError || err instanceof RangeError)
    throw new ProblemError(422, err.message);
  throw err;
}

export async function planningRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/v1/planning/staffing',
    {
      config: { scopes: ['reports:read'] },
      schema: {
        tags: TAGS,
        summary: 'Agents needed for one interval (Erlang C, and Erlang A with a caller patience)',
        description:
          'The fewest agents whose service level meets the target (and occupancy the ceiling), with the expected ' +
          'service level, ASA, occupancy, P(wait) and, under Erlang A, abandon rate; `scheduled` adds shrinkage. ' +
          'With `agents`, that staffing is evaluated instead. An unstable queue (offered load ≥ agents) is a 422.',
        body: StaffingBody,
        response: { 200: StaffingResponse, ...problemResponses(...authProblems, 422) },
      },
    },
    async (req) => {
      try {
        return staffing({ ...req.body, intervalMinutes: req.body.intervalMinutes ?? 30 });
      } catch (err) {
        return unprocessable(err);
      }
    },
  );

  r.post(
    '/v1/planning/forecast',
    {
      config: { scopes: ['reports:read'] },
      schema: {
        tags: TAGS,
        summary: '24-hour forecast per local half hour with the staffing each needs',
        description:
          'Offered calls per half hour are the mean of the same weekday over the look-back (all days when the ' +
          'weekday does not occur), counted from inbound calls or, with `queueId`, from the queue\'s KPI rollups (calls offered to it, overflows in not counted). ' +
          'Without `ahtSeconds`, the mean talk time of answered calls in the look-back is used.',
        body: ForecastBody,
        response: { 200: ForecastResponse, ...problemResponses(...authProblems, 422) },
      },
    },
    async (req) => {
      const b = { ...req.body, lookbackDays: req.body.lookbackDays ?? 28 };
      if (!isTimeZone(b.timeZone)) throw new ProblemError(422, `timeZone '${b.timeZone}' is not an IANA time zone`);
      const history = await offeredHistory(opts.db, { date: b.date, timeZone: b.timeZone, days: b.lookbackDays, queueId: b.queueId });
      let aht = b.ahtSeconds;
      if (aht === undefined) {
        const first = lookbackDates(b.date, b.lookbackDays)[0]!;
        aht = (await historicalHandleSeconds(opts.db, new Date(`${addDays(first, -1)}T00:00:00Z`), new Date(`${addDays(b.date, 1)}T00:00:00Z`))) ?? undefined;
        if (aht === undefined || aht <= 0)
          throw new ProblemError(422, 'no answered calls in the look-back to measure handle time; give ahtSeconds');
      }
      try {
        const f = forecast({ ...b, history, ahtSeconds: aht });
        return { ...f, timeZone: b.timeZone, ahtSeconds: Math.round(aht * 10) / 10 };
      } catch (err) {
        return unprocessable(err);
      }
    },
  );
}
