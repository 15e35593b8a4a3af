// The calls read API's schemas: one definition feeds validation, serialization and OpenAPI.
import { Type, type Static } from 'typebox';
import { CALL_STATES } from './state.js';

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);

export const Direction = Type.Union([Type.Literal('inbound'), Type.Literal('outbound'), Type.Literal('internal')]);
/** A call's state as clients see it: a closed set, so a client can switch over it exhaustively. */
export const CallStateSchema = Type.Union([
  Type.Literal('ringing'),
  Type.Literal('answered'),
  Type.Literal('ivr'),
  Type.Literal('queued'),
  Type.Literal('connected'),
  Type.Literal('held'),
  Type.Literal('ended'),
]);

export const CallIdParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'Call id' }) },
  { additionalProperties: false },
);

export const ListCallsQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(CALL_STATES.map((s) => Type.Literal(s)), { description: 'Call state; anything else is a 400' })),
    live: Type.Optional(Type.Boolean({ description: 'true: calls not yet ended (any state but ended); false: ended calls only' })),
    direction: Type.Optional(Direction),
    pbxNode: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
    callerNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Exact caller number' })),
    dnis: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Exact dialled number' })),
    linkedid: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after (inclusive)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Created before (exclusive)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type ListCallsQuery = Static<typeof ListCallsQuery>;

const Caller = Type.Object({ number: NullableString, name: NullableString });

const Data = Type.Record(Type.String(), Type.Unknown(), { description: 'Call-attached data (IVR input, CRM lookups)' });

export const CallSummary = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    pbxNode: Type.String(),
    channelId: Type.String(),
    linkedid: NullableString,
    direction: Direction,
    state: CallStateSchema,
    caller: Caller,
    dnis: NullableString,
    data: Data,
    createdAt: Timestamp,
    answeredAt: NullableTimestamp,
    endedAt: NullableTimestamp,
    hangupCause: Type.Union([Type.Integer(), Type.Null()]),
  },
);
export type CallSummary = Static<typeof CallSummary>;

export const CallLeg = Type.Object({
  channelId: Type.String(),
  role: Type.String({ description: 'caller, customer, agent, transfer_target' }),
  agentId: Type.Union([Type.String(), Type.Null()], { description: 'The agent on this leg, when the ACD knows them' }),
  createdAt: Timestamp,
  endedAt: NullableTimestamp,
});

export const TimelineEntry = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  at: Timestamp,
  data: Type.Record(Type.String(), Type.Unknown()),
});

export const CallDetail = Type.Object(
  {
    ...CallSummary.properties,
    legs: Type.Array(CallLeg),
    timeline: Type.Array(TimelineEntry, { description: 'Call events, oldest first' }),
    orderIds: Type.Array(Type.String({ format: 'uuid' }), { description: 'Orders taken in this call (GET /v1/orders/{id})' }),
  },
);
export type CallDetail = Static<typeof CallDetail>;

export const CallPage = Type.Object({
  items: Type.Array(CallSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
});
export type CallPage = Static<typeof CallPage>;
