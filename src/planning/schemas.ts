// Request and response schemas of the planning routes (staffing, forecast).
import { Type } from 'typebox';

const Model = Type.Object(
  {
    agents: Type.Integer({ description: 'Agents on the phones' }),
    scheduled: Type.Integer({ description: 'Agents to schedule so that `agents` remain after shrinkage' }),
    serviceLevel: Type.Number({ description: 'Share of callers answered within the target time (abandons count against)' }),
    asaSeconds: Type.Number({ description: 'Average speed of answer' }),
    occupancy: Type.Number(),
    waitProbability: Type.Number({ description: 'P(a caller waits at all)' }),
    abandonRate: Type.Optional(Type.Number({ description: 'Erlang A only' })),
    meetsTarget: Type.Boolean(),
  },
  { additionalProperties: false },
);

const Targets = {
  ahtSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 86_400, description: 'Handle time: talk + hold + wrap-up' }),
  serviceLevel: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Target share, e.g. 0.8' }),
  targetSeconds: Type.Number({ minimum: 0, maximum: 3600, description: '... answered within this many seconds' }),
  shrinkage: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0 })),
  patienceSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 86_400, description: 'Mean caller patience: adds an Erlang A result' })),
  maxOccupancy: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
};

export const StaffingBody = Type.Object(
  {
    calls: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'Calls offered in the interval' }),
    intervalMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 30 })),
    ...Targets,
    agents: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Evaluate this staffing instead of searching' })),
    maxAgents: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000 })),
  },
  { additionalProperties: false },
);

export const StaffingResponse = Type.Object(
  { load: Type.Number({ description: 'Offered load, Erlangs' }), erlangC: Model, erlangA: Type.Optional(Model) },
  { additionalProperties: false },
);

export const ForecastBody = Type.Object(
  {
    date: Type.String({ format: 'date', description: 'The local day to forecast' }),
    timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone of the centre, e.g. Europe/Berlin' }),
    queueId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Count the calls offered to this queue (its KPI rollups); default all inbound calls' })),
    lookbackDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 28 })),
    ahtSeconds: Type.Optional(Targets.ahtSeconds),
    serviceLevel: Targets.serviceLevel,
    targetSeconds: Targets.targetSeconds,
    shrinkage: Targets.shrinkage,
    patienceSeconds: Targets.patienceSeconds,
    maxOccupancy: Targets.maxOccupancy,
  },
  { additionalProperties: false },
);

const Slot = Type.Object(
  {
    start: Type.String({ description: 'HH:MM local' }),
    calls: Type.Number(),
    erlangC: Type.Union([Model, Type.Null()]),
    erlangA: Type.Optional(Type.Union([Model, Type.Null()])),
  },
  { additionalProperties: false },
);

export const ForecastResponse = Type.Object(
  {
    date: Type.String(),
    timeZone: Type.String(),
    ahtSeconds: Type.Number(),
    basis: Type.Union([Type.Literal('same-weekday'), Type.Literal('all-days')]),
    daysUsed: Type.Array(Type.String()),
    slots: Type.Array(Slot),
  },
  { additionalProperties: false },
);
