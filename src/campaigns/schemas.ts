// Request and response schemas of the campaign routes.
import { Type } from 'typebox';
import { CONTACT_STATUSES, OUTCOMES } from './model.js';

const Uuid = Type.String({ format: 'uuid' });
const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' });
const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const CallingWindowSchema = Type.Object(
  {
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, description: 'ISO weekdays, 1 = Monday' }),
    from: HHMM,
    to: HHMM,
  },
  { additionalProperties: false },
);

export const SourceSchema = Type.Union([
  Type.Object({ type: Type.Literal('csv') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('silent_callers'), months: Type.Integer({ minimum: 1, maximum: 120 }) }, { additionalProperties: false, description: 'Inbound callers with no call for `months` months' }),
  Type.Object({ type: Type.Literal('orders_after_delivery'), days: Type.Integer({ minimum: 0, maximum: 365 }) }, { additionalProperties: false, description: 'Needs the orders capability' }),
  Type.Object({ type: Type.Literal('customers_without_order'), months: Type.Integer({ minimum: 1, maximum: 120 }) }, { additionalProperties: false, description: 'Needs the orders capability' }),
]);

export const CreateCampaignBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    source: SourceSchema,
    timeZone: Type.String({ minLength: 1, maxLength: 64 }),
    callingHours: Type.Array(CallingWindowSchema, { minItems: 1, maxItems: 14 }),
    maxAttempts: Type.Integer({ minimum: 1, maximum: 50 }),
    retryMinutes: Type.Integer({ minimum: 0, maximum: 100_000, description: 'Least time between two attempts on a contact' }),
    queueId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], { description: 'ACD queue whose ready agents are offered the contacts as preview tasks' })),
  },
  { additionalProperties: false },
);

const Counts = Type.Record(Type.String(), Type.Integer());

export const CampaignSchema = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    source: SourceSchema,
    timeZone: Type.String(),
    callingHours: Type.Array(CallingWindowSchema),
    maxAttempts: Type.Integer(),
    retryMinutes: Type.Integer(),
    queueId: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('finished')]),
    ownerKeyId: Type.Union([Uuid, Type.Null()], { description: 'The API key that created it; only that key and admin keys see it' }),
    createdAt: Timestamp,
    contacts: Type.Optional(Counts),
  },
  { additionalProperties: false },
);

export const CampaignList = Type.Object({ items: Type.Array(CampaignSchema) }, { additionalProperties: false });
export const CampaignParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const ContactParams = Type.Object({ id: Uuid, contactId: Uuid }, { additionalProperties: false });
export const StatusBody = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('finished')])),
    queueId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], { description: 'ACD queue whose agents take the contacts; null stops offering them' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ContactSchema = Type.Object(
  {
    id: Uuid,
    campaignId: Uuid,
    number: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    reference: Type.Union([Type.String(), Type.Null()]),
    data: Type.Record(Type.String(), Type.Unknown()),
    status: Type.String(),
    attempts: Type.Integer(),
    lastAttemptAt: NullableTimestamp,
    lastOutcome: Type.Union([Type.String(), Type.Null()]),
    callbackAt: NullableTimestamp,
    offeredAt: NullableTimestamp,
    refusedRule: Type.Union([Type.String(), Type.Null()], { description: 'The dial-policy rule that refused the number when its call was to be placed (status refused)' }),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);

export const ContactsQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union(CONTACT_STATUSES.map((s) => Type.Literal(s))),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export const LimitQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
  { additionalProperties: false },
);
export const ContactList = Type.Object({ items: Type.Array(ContactSchema) }, { additionalProperties: false });

export const DueQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    at: Type.Optional(Type.String({ format: 'date-time', description: 'Evaluate at this time instead of now (planning)' })),
  },
  { additionalProperties: false },
);
export const DueList = Type.Object(
  {
    at: Timestamp,
    items: Type.Array(Type.Object({ reason: Type.String(), contact: ContactSchema }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const ImportResult = Type.Object(
  {
    received: Type.Integer({ description: 'Rows read (without the header)' }),
    added: Type.Integer(),
    alreadyInCampaign: Type.Integer(),
    rejected: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const OutcomeBody = Type.Object(
  {
    outcome: Type.Union(OUTCOMES.map((o) => Type.Literal(o))),
    callbackAt: Type.Optional(Type.String({ format: 'date-time', description: 'Required for callback' })),
    agentId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const DncBody = Type.Object(
  {
    numbers: Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { minItems: 1, maxItems: 10_000 }),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export const DncParams = Type.Object({ number: Type.String({ minLength: 1, maxLength: 40 }) }, { additionalProperties: false });
export const DncList = Type.Object(
  {
    items: Type.Array(Type.Object({ number: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), createdAt: Timestamp })),
  },
  { additionalProperties: false },
);
export const DncResult = Type.Object({ added: Type.Integer(), rejected: Type.Array(Type.Object({ number: Type.String(), reason: Type.String() })) });
