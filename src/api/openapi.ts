// OpenAPI 3.1 built from the route schemas (one source for validation and docs), served
// at /docs/json and as swagger-ui at /docs. Registered before any route so all are seen.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { openApiWebhooks } from '../events/schema-routes.js';
import { ProblemSchema } from './schemas.js';

export async function registerOpenApi(app: FastifyInstance, opts: { version: string }): Promise<void> {
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'cti-bridge API',
        version: opts.version,
        description:
          'Calls, webhooks and the live event stream of cti-bridge. Errors are RFC 9457 ' +
          '`application/problem+json`. Lists use opaque cursors. Authenticate with an API key.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key: Authorization: Bearer ctb_...' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
      // What webhook subscribers receive, from the same schemas as /v1/events/schemas.
      // JSON Schema 2020-12 is OpenAPI 3.1's own schema language; its typings just do not know TypeBox's objects.
      webhooks: openApiWebhooks() as Record<string, never>,
      tags: [
        { name: 'calls', description: 'Calls and their timelines' },
        { name: 'events', description: 'Live event stream' },
        { name: 'webhooks', description: 'Webhook subscriptions, deliveries and redelivery' },
        { name: 'ivr', description: 'IVR flows, versions, dialled numbers, simulation' },
        { name: 'voicemail', description: 'Mailboxes, greetings, messages and their audio' },
        { name: 'fax', description: 'Fax-on-demand catalogue and faxes sent' },
        { name: 'ops', description: 'Health and readiness' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    // The scopes a route needs are declared once, in its config; say them in the docs too.
    transform: ({ schema, url, route }) => {
      const scopes = route.config?.scopes;
      if (!schema || !scopes || scopes.length === 0) return { schema, url };
      const note = `Requires scope: ${scopes.join(', ')} (or admin).`;
      return {
        schema: { ...schema, description: schema.description ? `${schema.description}\n\n${note}` : note },
        url,
      };
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // swagger-ui's page loads its own scripts and styles ('self'), which the API's
    // default-src 'none' would block: it gets its own policy, minus the forced upgrade to
    // HTTPS so plain-HTTP deployments (a LAN, a laptop) still render the docs.
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
}
