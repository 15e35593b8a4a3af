// Renders the event catalogue from the OpenAPI document's `webhooks` (one POST per event
// type, its body the event's envelope) as TypeScript: the type union and each type's
// payload (`data`). Pure, so the generator and the drift test share it.
import { tsType } from './render.js';

type Schema = Record<string, any>;
interface WithWebhooks {
  webhooks?: Record<string, { post?: { description?: string; requestBody?: { content?: Record<string, { schema?: Schema }> } } }>;
}

function envelope(doc: WithWebhooks, type: string): Schema {
  const schema = doc.webhooks?.[type]?.post?.requestBody?.content?.['application/json']?.schema;
  if (!schema?.properties?.data) throw new Error(`the OpenAPI document's webhook ${type} has no event envelope with data`);
  return schema;
}

/** The generated events module's source. */
export function renderEventTypes(doc: WithWebhooks): string {
  // The document lists the catalogue in its own order; keep it, it groups related events.
  const types = Object.keys(doc.webhooks ?? {});
  if (types.length === 0) throw new Error('the OpenAPI document has no webhooks: cannot render the event catalogue');
  const lines: string[] = [
    '// Generated from the service\'s OpenAPI document (`webhooks`) by `npm run client:generate`; do not edit.',
    '/* eslint-disable */',
    '',
    '/** Every event type webhooks, the live stream and the journal carry. */',
    'export const EVENT_TYPES = [',
    ...types.map((t) => `  ${JSON.stringify(t)},`),
    '] as const;',
    '',
    'export type EventType = (typeof EVENT_TYPES)[number];',
    '',
    '/** Each event type\'s payload (the envelope\'s `data`). */',
    'export interface EventPayloads {',
  ];
  for (const type of types) {
    const description = doc.webhooks![type]!.post?.description;
    if (description) lines.push(`  /** ${description.replace(/\*\//g, '*\\/')} */`);
    lines.push(`  ${JSON.stringify(type)}: ${tsType(envelope(doc, type).properties.data, '  ')};`);
  }
  lines.push('}', '');
  return lines.join('\n');
}
