// Business-system connectors (CRM, logistics) as configuration: where to send, how to
// authenticate, which events, what body, how many at once, how to retry. Pure parsing.
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';

export const ConnectorSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$', description: 'Names the queue and the deliveries' }),
    url: Type.String({ pattern: '^https?://' }),
    /** Event types or families (`order.*`). */
    events: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1 }),
    /** Only events whose value at each JSON pointer equals the given one, e.g. {"/data/to": "approved"}. */
    when: Type.Optional(Type.Record(Type.String({ pattern: '^(/[^/]*)*$' }), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]))),
    /**
     * The body: a JSON object whose string values "{{/pointer}}" are replaced by the
     * event's value there (any JSON type). Absent: the whole event envelope.
     */
    template: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    auth: Type.Optional(
      Type.Object(
        {
          /** Sent as `Authorization: Bearer <token>`. */
          bearer: Type.Optional(Type.String({ minLength: 1 })),
          /** Standard Webhooks signing secret (whsec_...): webhook-id/-timestamp/-signature headers. */
          signingSecret: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 256, default: 8 })),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
    backoffBaseMs: Type.Optional(Type.Integer({ minimum: 1, default: 1_000 })),
    backoffMaxMs: Type.Optional(Type.Integer({ minimum: 1, default: 3_600_000 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, default: 10_000 })),
  },
  { additionalProperties: false },
);
export type ConnectorConfig = Static<typeof ConnectorSchema>;

const check = Compile(Type.Array(ConnectorSchema));

/** Parses the CONNECTORS variable (a JSON array); throws naming the first problem. */
export function parseConnectors(raw: string | undefined): ConnectorConfig[] {
  if (raw === undefined || raw.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error('CONNECTORS is not valid JSON');
  }
  if (!check.Check(value)) {
    const e = [...check.Errors(value)][0] as unknown as { instancePath: string; message: string } | undefined;
    throw new Error(`CONNECTORS${e?.instancePath ?? ''} ${e?.message ?? 'is invalid'}`);
  }
  const ids = new Set<string>();
  for (const c of value) {
    if (ids.has(c.id)) throw new Error(`CONNECTORS: connector id '${c.id}' appears twice`);
    ids.add(c.id);
  }
  return value;
}

export function redactConnector(c: ConnectorConfig): ConnectorConfig {
  return c.auth
    ? { ...c, auth: { ...(c.auth.bearer ? { bearer: '***' } : {}), ...(c.auth.signingSecret ? { signingSecret: '***' } : {}) } }
    : c;
}
