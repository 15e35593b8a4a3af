// Schemas of the CDR API: one definition for validation, serialization and OpenAPI.
import { Type, type Static } from 'typebox';

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
const Obj = Type.Record(Type.String(), Type.Unknown());

export const DISPOSITIONS = ['answered', 'abandoned', 'short_abandon', 'voicemail', 'fax', 'failed', 'busy', 'no_answer', 'pbx_restart', 'unattended'] as const;

export const ListCdrsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Ended at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Ended before' })),
    direction: Type.Optional(Type.Union([Type.Literal('inbound'), Type.Literal('outbound'), Type.Literal('internal')])),
    disposition: Type.Optional(Type.Union(DISPOSITIONS.map((d) => Type.Literal(d)))),
    callerNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    dnis: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    queue: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Queue the call was last in' })),
    agentId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'An agent who took part' })),
    callId: Type.Optional(Type.String({ format: 'uuid' })),
    pbxNode: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListCdrsQuery = Static<typeof ListCdrsQuery>;

export const ExportCdrsQuery = Type.Object(
  { ...ListCdrsQuery.properties, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'At most this many rows' })) },
  { additionalProperties: false },
);

export const CdrIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

// The detail's parts name their fields so clients can read them typed. Every field is
// optional and extra fields pass through: CDRs written by earlier versions are served as
// they were stored, and a field added later reaches clients before their types know it.
const Open = { additionalProperties: true } as const;
const Opt = <T extends Parameters<typeof Type.Optional>[0]>(t: T) => Type.Optional(t);

const CdrLegSchema = Type.Object(
  {
    role: Opt(Type.String({ description: 'caller, agent, consult or conference' })),
    agentId: Opt(NullableString),
    startedAt: Opt(Timestamp),
    answeredAt: Opt(NullableTimestamp),
    endedAt: Opt(Timestamp),
    talkMs: Opt(Type.Integer()),
    holdMs: Opt(Type.Integer()),
    endReason: Opt(Type.String()),
    transferId: Opt(NullableString),
  },
  Open,
);

const CdrAgentSchema = Type.Object(
  {
    agentId: Opt(Type.String()),
    roles: Opt(Type.Array(Type.String())),
    offeredAt: Opt(NullableTimestamp),
    answeredAt: Opt(NullableTimestamp),
    talkMs: Opt(Type.Integer()),
    holdMs: Opt(Type.Integer()),
    wrapUpMs: Opt(Type.Union([Type.Integer(), Type.Null()], { description: 'null while the agent is still in wrap-up' })),
    wrapUp: Opt(Type.Union([Type.Object({ code: Type.String(), label: Type.String(), note: NullableString, at: Timestamp }, Open), Type.Null()])),
  },
  Open,
);

const CdrTransferSchema = Type.Object(
  {
    id: Opt(Type.String({ format: 'uuid' })),
    mode: Opt(Type.String({ description: 'blind or attended' })),
    fromAgentId: Opt(NullableString),
    to: Opt(
      Type.Object(
        { agentId: Opt(Type.String()), extension: Opt(Type.String()), number: Opt(Type.String()), queueId: Opt(Type.String()) },
        { ...Open, description: 'The target as the transfer named it' },
      ),
    ),
    startedAt: Opt(Timestamp),
    answeredAt: Opt(NullableTimestamp),
    endedAt: Opt(NullableTimestamp),
    outcome: Opt(Type.String({ description: 'transferred, consulted, cancelled, no_answer, conference, recalled or open' })),
  },
  Open,
);

const CdrConferenceSchema = Type.Object({ at: Opt(Timestamp), agentIds: Opt(Type.Array(Type.String())) }, Open);

export const CdrSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  callId: Type.String({ format: 'uuid' }),
  pbxNode: Type.String(),
  linkedid: NullableString,
  direction: Type.String(),
  caller: Type.Object({ number: NullableString, name: NullableString }),
  dnis: NullableString,
  startedAt: Timestamp,
  answeredAt: NullableTimestamp,
  endedAt: Timestamp,
  durationMs: Type.Integer(),
  talkMs: Type.Integer(),
  disposition: Type.String(),
  hangupCause: Type.Union([Type.Integer(), Type.Null()]),
  data: Obj,
  ivrPath: Type.Array(Type.String()),
  queue: Type.Union([Obj, Type.Null()]),
  waitMs: Type.Integer(),
  holdMs: Type.Integer(),
  legs: Type.Array(CdrLegSchema),
  agents: Type.Array(CdrAgentSchema),
  transfers: Type.Array(CdrTransferSchema),
  conferences: Type.Array(CdrConferenceSchema),
  survey: Type.Union([Obj, Type.Null()]),
  recordings: Type.Array(Obj),
  complete: Type.Boolean({ description: 'False while an agent is still in wrap-up' }),
  orderIds: Type.Array(Type.String({ format: 'uuid' }), { description: 'Orders taken in this call' }),
});

export const CdrDetailSchema = Type.Object({
  ...CdrSchema.properties,
  asterisk: Type.Array(Obj, { description: "Asterisk's own Cdr records of the call's channels, as received" }),
});

export const CdrPage = Type.Object({ items: Type.Array(CdrSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) });
