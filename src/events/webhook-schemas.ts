// Request and response schemas of the webhook API: they drive validation and the OpenAPI
// document alike. Unknown fields are refused (additionalProperties: false).
import { Type, type Static } from 'typebox';
import { EVENT_TYPES } from './catalogue.js';

const Uuid = Type.String({ format: 'uuid' });

export const EventTypeName = Type.Union(
  EVENT_TYPES.map((t) => Type.Literal(t)),
  { description: 'A name from the event catalogue' },
);

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'http(s) URL that receives the signed POSTs; must resolve to a public address',
    }),
    eventTypes: Type.Array(EventTypeName, {
      maxItems: EVENT_TYPES.length,
      uniqueItems: true,
      description: 'Event types to deliver; an empty list means every event',
    }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    secret: Type.Optional(
      Type.String({
        pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$',
        maxLength: 200,
        description: 'Signing secret `whsec_<base64 of 24-64 bytes>`; generated when absent',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

const SubscriptionProps = {
  id: Uuid,
  url: Type.String(),
  eventTypes: Type.Array(Type.String()),
  description: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.String(), Type.Null()], {
    description: 'Why deliveries stopped, e.g. the receiver answered 410 Gone',
  }),
  ownerKeyId: Type.Union([Uuid, Type.Null()], { description: 'The API key that created it; only that key (and admin keys) see it' }),
  createdAt: Type.String({ format: 'date-time' }),
};

export const Webhook = Type.Object(SubscriptionProps, { additionalProperties: false });

export const CreatedWebhook = Type.Object(
  {
    ...SubscriptionProps,
    secret: Type.String({ description: 'Shown only in this response: store it now' }),
  },
  { additionalProperties: false },
);

export const WebhookPage = Type.Object(
  {
    items: Type.Array(Webhook),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page' }),
  },
  { additionalProperties: false },
);

export const Attempt = Type.Object(
  {
    attempt: Type.Integer({ description: 'Counts across redeliveries' }),
    at: Type.String({ format: 'date-time' }),
    statusCode: Type.Union([Type.Integer(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()], { description: 'Why no response arrived (timeout, refused target...)' }),
    durationMs: Type.Integer(),
  },
  { additionalProperties: false },
);

export const DeliveryStatus = Type.Union(
  [Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('dead'), Type.Literal('disabled')],
  { description: 'dead = every attempt failed; disabled = the webhook was disabled or deleted' },
);

export const Delivery = Type.Object(
  {
    id: Uuid,
    subscriptionId: Uuid,
    eventId: Type.String({ description: 'Also the webhook-id header the receiver saw' }),
    eventType: Type.String(),
    status: DeliveryStatus,
    attempts: Type.Integer(),
    lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    attemptLog: Type.Array(Attempt),
  },
  { additionalProperties: false },
);

export const DeliveryPage = Type.Object(
  {
    items: Type.Array(Delivery),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'Default 50' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const RedeliveryAccepted = Type.Object(
  {
    deliveryId: Uuid,
    status: Type.Literal('pending'),
  },
  { additionalProperties: false },
);
