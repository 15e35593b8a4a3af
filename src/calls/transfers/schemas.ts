// Transfer request and response schemas.
import { Type, type Static } from 'typebox';

export const TransferTargetSchema = Type.Union(
  [
    Type.Object({ agentId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    Type.Object({ extension: Type.String({ pattern: '^[0-9]{2,6}$' }) }, { additionalProperties: false }),
    Type.Object({ number: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
    Type.Object(
      { queueId: Type.String({ minLength: 1, maxLength: 64, description: 'Blind: the caller enters this queue by priority. Attended: the agent the queue offers now is consulted.' }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'Exactly one of: an agent (through the ACD), a phone extension, an outside number, a queue' },
);

export const StartTransferBody = Type.Object(
  {
    to: TransferTargetSchema,
    mode: Type.Optional(Type.Union([Type.Literal('blind'), Type.Literal('attended')], { default: 'attended', description: 'attended when absent' })),
    timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 600, description: 'Seconds the target may ring' })),
  },
  { additionalProperties: false },
);
export type StartTransferBody = Static<typeof StartTransferBody>;

export const TransferIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const TransferSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  callId: Type.String({ format: 'uuid' }),
  mode: Type.String(),
  state: Type.String({ description: 'ringback, answered, conference, completed, cancelled, abandoned' }),
  fromAgentId: Type.Union([Type.String(), Type.Null()]),
  to: Type.Object({
    agentId: Type.Optional(Type.String({ description: 'For a queue target: the agent the queue offered for the consultation' })),
    extension: Type.Optional(Type.String()),
    number: Type.Optional(Type.String()),
    queueId: Type.Optional(Type.String()),
  }),
  initiatorPresent: Type.Boolean(),
  reason: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.Union([Type.String(), Type.Null()], {
    description: 'What became of the caller after a failed transfer: requeued, recalling, recalled, recall_unanswered, caller_hung_up, no_recall; null otherwise',
  }),
  timeoutMs: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  answeredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const ChannelTransferBody = Type.Object(
  {
    channel: Type.String({ minLength: 3, maxLength: 100, description: 'The transferring party’s channel name, e.g. PJSIP/1001-0000000b; the party it talks with is transferred' }),
    to: Type.Union([
      Type.Object({ extension: Type.String({ pattern: '^[0-9]{2,6}$' }) }, { additionalProperties: false }),
      Type.Object({ number: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
    ]),
    mode: Type.Optional(Type.Union([Type.Literal('blind'), Type.Literal('attended')], { description: 'blind (default): BlindTransfer; attended: Atxfer, then /complete or /cancel' })),
    pbxNode: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
  },
  { additionalProperties: false },
);

export const ChannelTransferResult = Type.Object({
  channel: Type.String(),
  to: Type.Object({ extension: Type.Optional(Type.String()), number: Type.Optional(Type.String()) }),
  context: Type.String(),
  exten: Type.String(),
});

export const ChannelCommandBody = Type.Object(
  {
    channel: Type.String({ minLength: 3, maxLength: 100, description: 'The transferring party’s channel, as given to POST /v1/channel-transfers' }),
    pbxNode: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
  },
  { additionalProperties: false },
);
