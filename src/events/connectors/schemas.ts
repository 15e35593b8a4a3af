// The connector API's schemas, built from the one ConnectorSchema that CONNECTORS is
// parsed with, so the two cannot drift. Secrets are write-only: a connector read back
// says which are set, never what they are.
import { Type, type TSchema } from 'typebox';
import { ConnectorSchema } from './config.js';

const { id, auth, ...settings } = ConnectorSchema.properties;

export const ConnectorIdParams = Type.Object({ id }, { additionalProperties: false });

export const CreateConnectorBody = ConnectorSchema;

/** Every field but the id may change; `auth`, when given, replaces the secrets (`{}` removes them). */
export const UpdateConnectorBody = Type.Object(
  Object.fromEntries(Object.entries({ ...settings, auth }).map(([k, v]) => [k, Type.Optional(v as TSchema)])),
  { additionalProperties: false, minProperties: 1 },
);

export const ConnectorView = Type.Object(
  {
    id,
    ...settings,
    auth: Type.Object(
      {
        bearer: Type.Boolean({ description: 'A bearer token is set' }),
        signingSecret: Type.Boolean({ description: 'A Standard Webhooks signing secret is set' }),
      },
      { description: 'Which secrets are set; their values are never returned' },
    ),
    source: Type.Union([Type.Literal('environment'), Type.Literal('api')], {
      description: '`environment`: from CONNECTORS, read-only here; `api`: created over this API',
    }),
    readOnly: Type.Boolean(),
    ownerKeyId: Type.Union([Type.String(), Type.Null()], { description: 'The API key that created it; null for environment connectors' }),
    createdAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'Connector' },
);

export const ConnectorList = Type.Object({ items: Type.Array(ConnectorView) }, { title: 'ConnectorList' });

export const ConnectorTestResult = Type.Object(
  {
    ok: Type.Boolean({ description: 'The connector answered 2xx' }),
    statusCode: Type.Optional(Type.Integer()),
    error: Type.Optional(Type.String({ description: 'Why no answer came (timeout, refused target, connection error)' })),
    durationMs: Type.Integer(),
  },
  { title: 'ConnectorTestResult' },
);
