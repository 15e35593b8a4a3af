// Schemas of the orders API. One definition feeds the OpenAPI document and the 422
// problem list (validate.ts runs the same compiled check and reports every error).
import { Type, type Static } from 'typebox';
import { ORDER_STATES, type OrderState } from './state.js';

const Timestamp = Type.String({ format: 'date-time' });
const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });
const Minor = (description: string) => Type.Integer({ minimum: 0, maximum: 1e12, description });

export const Address = Type.Object(
  {
    line1: Text(200),
    line2: Type.Optional(Type.String({ maxLength: 200 })),
    city: Text(100),
    postalCode: Text(20),
    region: Type.Optional(Type.String({ maxLength: 100 })),
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' })),
  },
  { additionalProperties: false },
);

export const Customer = Type.Object(
  {
    name: Text(200),
    phone: Type.String({ pattern: '^\\+?[0-9][0-9 ()-]{2,31}$', description: 'Digits, spaces, dashes, brackets; optional leading +' }),
    gender: Type.Optional(Type.Union([Type.Literal('female'), Type.Literal('male'), Type.Literal('other'), Type.Literal('unspecified')])),
    address: Address,
    notes: Type.Optional(Type.String({ maxLength: 1000, description: 'Delivery notes: inconvenient hours, payment at the door...' })),
  },
  { additionalProperties: false },
);

export const MediaSource = Type.Object(
  {
    type: Type.Union([Type.Literal('tv'), Type.Literal('radio'), Type.Literal('press'), Type.Literal('web'), Type.Literal('other')]),
    name: Text(200, 'Channel, programme or publication that brought the caller'),
  },
  { additionalProperties: false },
);

export const NewItem = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
    unitPriceMinor: Minor('Unit price in minor units (cents)'),
  },
  { additionalProperties: false },
);

export const Approval = Type.Object(
  {
    type: Type.Union([Type.Literal('gift'), Type.Literal('price')], { description: 'A special gift or a special price' }),
    reason: Text(500),
    sku: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const NewOrderBody = Type.Object(
  {
    customer: Customer,
    mediaSource: Type.Optional(MediaSource),
    items: Type.Array(NewItem, { minItems: 1, maxItems: 200 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217' }),
    totalMinor: Type.Optional(Minor('If given, must equal the sum of quantity x unitPriceMinor')),
    callId: Type.Optional(Type.String({ format: 'uuid', description: 'The call the order was taken in' })),
    approvals: Type.Optional(Type.Array(Approval, { maxItems: 20, description: 'Approvals requested from supervision' })),
  },
  { additionalProperties: false },
);
export type NewOrderBody = Static<typeof NewOrderBody>;

/** Bodies of the transition actions; an empty object when an action needs nothing. */
export const ActionBodies = {
  submit: Type.Object({}, { additionalProperties: false }),
  approve: Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
  reject: Type.Object({ reason: Text(1000) }, { additionalProperties: false }),
  pick: Type.Object({}, { additionalProperties: false }),
  ship: Type.Object({ carrier: Text(100), trackingNumber: Text(100) }, { additionalProperties: false }),
  deliver: Type.Object(
    { signed: Type.Literal(true, { description: 'The customer signed for the goods' }), cashCollectedMinor: Minor('Cash collected at the door') },
    { additionalProperties: false },
  ),
  refuse: Type.Object({ reason: Text(1000) }, { additionalProperties: false }),
  return: Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
  'confirm-payment': Type.Object(
    { receivedMinor: Minor('Amount finance received from the courier'), reference: Type.Optional(Type.String({ maxLength: 200 })) },
    { additionalProperties: false },
  ),
  complete: Type.Object({}, { additionalProperties: false }),
} as const;

export const ActionBody = Type.Object(
  {
    note: Type.Optional(Type.String({ maxLength: 1000 })),
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
    carrier: Type.Optional(Type.String({ maxLength: 100 })),
    trackingNumber: Type.Optional(Type.String({ maxLength: 100 })),
    signed: Type.Optional(Type.Boolean()),
    cashCollectedMinor: Type.Optional(Type.Integer()),
    receivedMinor: Type.Optional(Type.Integer()),
    reference: Type.Optional(Type.String({ maxLength: 200 })),
  },
  {
    additionalProperties: false,
    description:
      'reject/refuse: reason; ship: carrier, trackingNumber; deliver: signed (true), cashCollectedMinor (= total); ' +
      'confirm-payment: receivedMinor (= cash collected), reference; approve/return: note. Others: empty.',
  },
);

const OrderStateSchema = Type.Unsafe<OrderState>(Type.Union(ORDER_STATES.map((s) => Type.Literal(s))));

export const OrderIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
export const OrderActionParams = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    action: Type.String({ pattern: '^[a-z-]{1,32}$', description: 'submit, approve, reject, pick, ship, deliver, refuse, return, confirm-payment, complete' }),
  },
  { additionalProperties: false },
);

export const ListOrdersQuery = Type.Object(
  {
    state: Type.Optional(OrderStateSchema),
    callId: Type.Optional(Type.String({ format: 'uuid' })),
    phone: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: "Customer's phone, exact" })),
    mediaSource: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Media source name, exact' })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Created before' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListOrdersQuery = Static<typeof ListOrdersQuery>;

const Obj = Type.Record(Type.String(), Type.Unknown());

export const Order = Type.Object({
  id: Type.String({ format: 'uuid' }),
  state: OrderStateSchema,
  customer: Customer,
  mediaSource: Type.Union([MediaSource, Type.Null()]),
  items: Type.Array(Type.Object({ ...NewItem.properties, lineTotalMinor: Type.Integer() })),
  currency: Type.String(),
  totalMinor: Type.Integer(),
  callId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  approvals: Type.Array(Approval),
  shipment: Type.Union([Obj, Type.Null()]),
  delivery: Type.Union([Obj, Type.Null()]),
  payment: Type.Union([Obj, Type.Null()]),
  allowedActions: Type.Array(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Order = Static<typeof Order>;

export const OrderTransition = Type.Object({
  action: Type.String(),
  from: Type.Union([Type.String(), Type.Null()]),
  to: Type.String(),
  data: Obj,
  at: Timestamp,
});

export const OrderDetail = Type.Object({ ...Order.properties, history: Type.Array(OrderTransition) });
export const OrderPage = Type.Object({ items: Type.Array(Order), nextCursor: Type.Union([Type.String(), Type.Null()]) });
