// The request a connector receives for an event, the same for a delivery and a test:
// the rendered body, the event id as Idempotency-Key, a Standard Webhooks signature or a
// bearer token as configured, and the trace of the work that produced the event.
import type { DomainEvent } from '../catalogue.js';
import { sign } from '../signing.js';
import { traceHeaders } from '../../tracing/tracer.js';
import type { ConnectorConfig } from './config.js';
import { renderBody } from './template.js';

export function connectorRequest(c: ConnectorConfig, event: DomainEvent): { headers: Record<string, string>; body: string } {
  const body = renderBody(c, event);
  // The event id is the idempotency key: the same on every retry and replay.
  const headers: Record<string, string> = { 'idempotency-key': event.id, ...traceHeaders() };
  if (c.auth?.signingSecret) Object.assign(headers, sign(c.auth.signingSecret, event.id, body));
  else headers['webhook-id'] = event.id;
  if (c.auth?.bearer) headers.authorization = `Bearer ${c.auth.bearer}`;
  return { headers, body };
}
