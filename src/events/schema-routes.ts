// GET /v1/events/schemas: every event type's envelope and payload as JSON Schema, built
// from the same TypeBox definitions the test suite checks every emitted event against.
import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { authProblems, problemResponses } from '../api/schemas.js';
import { EVENT_TYPES, type EventType } from './catalogue.js';
import { EVENT_PAYLOAD_VERSION, envelopeSchema } from './payload-schemas.js';

export const EventSchemasDocument = Type.Object({
  version: Type.Integer({ description: 'Payload version carried by every event (`version`); raised on a breaking change' }),
  events: Type.Record(
    Type.String(),
    Type.Object({
      description: Type.String(),
      schema: Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema (2020-12) of the whole envelope; `data` is the payload' }),
    }),
  ),
});

/** The catalogue as JSON Schemas, keyed by event type. */
export function eventSchemasDocument(): { version: number; events: Record<EventType, { description: string; schema: TSchema }> } {
  const events = {} as Record<EventType, { description: string; schema: TSchema }>;
  for (const type of EVENT_TYPES) {
    const schema = envelopeSchema(type);
    events[type] = { description: (schema as { description?: string }).description ?? type, schema };
  }
  return { version: EVENT_PAYLOAD_VERSION, events };
}

/** OpenAPI 3.1 `webhooks`: what a subscriber receives, one POST per event type. */
export function openApiWebhooks(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [type, { description, schema }] of Object.entries(eventSchemasDocument().events)) {
    out[type] = {
      post: {
        summary: type,
        description: `${description}. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature).`,
        tags: ['events'],
        requestBody: { required: true, content: { 'application/json': { schema } } },
        responses: { '2XX': { description: 'Received; any other answer is retried' } },
      },
    };
  }
  return out;
}

export async function eventSchemaRoutes(app: FastifyInstance): Promise<void> {
  // Built once: the catalogue does not change while the process runs.
  const document = eventSchemasDocument();
  app.get(
    '/v1/events/schemas',
    {
      config: { scopes: ['events:read'] },
      schema: {
        tags: ['events'],
        summary: 'JSON Schema of every event type',
        description:
          'The envelope and `data` of every event type webhooks, the live stream and the journal carry, keyed by ' +
          'type, with the payload version. Fields listed are guaranteed within a version; new fields may appear.',
        response: { 200: EventSchemasDocument, ...problemResponses(...authProblems) },
      },
    },
    async () => document,
  );
}
