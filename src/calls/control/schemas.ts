// Call control's request and response schemas: validation and OpenAPI from one source.
import { Type, type Static } from 'typebox';

const Extension = Type.String({ pattern: '^[0-9]{2,6}$', description: "An agent's phone extension" });
const Number_ = Type.String({ minLength: 1, maxLength: 32, description: 'A phone number; checked against the key’s dial allow-list' });

export const DialBody = Type.Object(
  {
    extension: Extension,
    to: Number_,
    agentId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The agent placing the call, when the ACD knows them' })),
    pbxNode: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Default: the first node' })),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Business data the call carries (screen pop, CRM ids)' })),
  },
  { additionalProperties: false },
);
export type DialBody = Static<typeof DialBody>;

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A retried request with the same key returns the same call' })),
});

export const DtmfBody = Type.Object(
  { digits: Type.String({ pattern: '^[0-9*#A-D]{1,32}$', description: 'Digits sent to the far end' }) },
  { additionalProperties: false },
);

export const DialPolicyParams = Type.Object({ keyId: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const DialPolicyBody = Type.Object(
  {
    allow: Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 100, description: 'Dialplan-style patterns (_0ZXXXX.) or numbers' }),
    deny: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 100 })),
    callerId: Type.Optional(Type.Union([Type.String({ pattern: '^\\+?[0-9]{1,20}$' }), Type.Null()], { description: 'null: the service default' })),
    maxConcurrent: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10000 }), Type.Null()])),
    perMinute: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100000 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type DialPolicyBody = Static<typeof DialPolicyBody>;
