// Request and response schemas of the report routes.
import { Type } from 'typebox';

const Nullable = (t: ReturnType<typeof Type.Number>) => Type.Union([t, Type.Null()]);
const Ratio = Nullable(Type.Number({ minimum: 0 }));
const Format = Type.Optional(
  Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'Default json; `Accept: text/csv` works too' }),
);
const TimeZone = Type.String({ minLength: 1, maxLength: 64, default: 'UTC', description: 'IANA zone for intervals, e.g. Europe/Berlin' });

export const KpiQuery = Type.Object(
  {
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time', description: 'Exclusive' }),
    interval: Type.Optional(
      Type.Union([Type.Literal('15m'), Type.Literal('30m'), Type.Literal('60m'), Type.Literal('day'), Type.Literal('month')], {
        default: '60m',
      }),
    ),
    timeZone: Type.Optional(TimeZone),
    serviceLevelSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, default: 20, description: 'Answered within T' })),
    fcrHours: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 720, default: 24, description: 'A call is resolved when its caller does not call again within this time' }),
    ),
    dissatisfiedAtOrBelow: Type.Optional(Type.Number({ default: 2, description: 'Ratings at or below are dissatisfied' })),
    queueId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    agentId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    format: Format,
  },
  { additionalProperties: false },
);

const Shared = {
  talkSeconds: Type.Number(),
  holdSeconds: Type.Number(),
  wrapUpSeconds: Type.Number(),
  avgHandleSeconds: Ratio,
  transfers: Type.Integer(),
  transferRate: Ratio,
  firstCallResolution: Ratio,
  surveys: Type.Integer(),
  satisfaction: Ratio,
  notRatedShare: Ratio,
  dissatisfied: Type.Integer(),
};

export const QueueKpiSchema = Type.Object(
  {
    interval: Type.String({ description: 'Local start: 2026-11-30T10:15, 2026-11-30 or 2026-11' }),
    queueId: Type.String(),
    offered: Type.Integer({ description: 'First entries into this queue (overflow arrivals are overflowedIn)' }),
    answered: Type.Integer(),
    answeredWithinTarget: Type.Integer(),
    abandoned: Type.Integer({ description: 'Abandons, short ones excluded' }),
    shortAbandoned: Type.Integer(),
    overflowedIn: Type.Integer(),
    overflowedOut: Type.Integer(),
    serviceLevel: Type.Union([Type.Number(), Type.Null()], { description: 'answeredWithinTarget / (offered − shortAbandoned)' }),
    asaSeconds: Ratio,
    abandonRate: Ratio,
    avgTalkSeconds: Ratio,
    ...Shared,
  },
  { additionalProperties: false },
);

export const AgentKpiSchema = Type.Object(
  {
    interval: Type.String(),
    agentId: Type.String(),
    answered: Type.Integer(),
    loggedInSeconds: Type.Number(),
    readySeconds: Type.Number(),
    onCallSeconds: Type.Number(),
    notReadySeconds: Type.Number(),
    notReadyByReason: Type.Record(Type.String(), Type.Number()),
    occupancy: Type.Union([Type.Number(), Type.Null()], { description: '(on call + wrap-up) / logged in' }),
    notReadyRate: Ratio,
    callsPerHour: Ratio,
    logouts: Type.Integer(),
    logoutsPerDay: Ratio,
    ...Shared,
  },
  { additionalProperties: false },
);

export const QueueReport = Type.Object({ from: Type.String(), to: Type.String(), interval: Type.String(), timeZone: Type.String(), items: Type.Array(QueueKpiSchema) });
export const AgentReport = Type.Object({ from: Type.String(), to: Type.String(), interval: Type.String(), timeZone: Type.String(), items: Type.Array(AgentKpiSchema) });

export const QualityQuery = Type.Object(
  {
    date: Type.String({ format: 'date', description: 'The local day' }),
    timeZone: Type.Optional(TimeZone),
    list: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('dissatisfied'), Type.Literal('unrated')], { default: 'all' })),
    dissatisfiedAtOrBelow: Type.Optional(Type.Number({ default: 2, description: 'Ratings at or below are dissatisfied' })),
    format: Format,
  },
  { additionalProperties: false },
);

export const QualityEntrySchema = Type.Object(
  {
    callId: Type.String(),
    at: Type.String({ format: 'date-time' }),
    list: Type.Union([Type.Literal('dissatisfied'), Type.Literal('unrated')]),
    rating: Type.Union([Type.Number(), Type.Null()]),
    caller: Type.Object({ number: Type.Union([Type.String(), Type.Null()]), name: Type.Union([Type.String(), Type.Null()]) }),
    agentId: Type.Union([Type.String(), Type.Null()]),
    queueId: Type.Union([Type.String(), Type.Null()]),
    recordingUrl: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const QualityReport = Type.Object({ date: Type.String(), timeZone: Type.String(), items: Type.Array(QualityEntrySchema) });
