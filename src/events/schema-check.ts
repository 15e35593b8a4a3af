// Checks an event against its published schema. Used in the outbox write path when
// EVENT_SCHEMA_CHECK=1 (vitest.config.ts sets it for every test), so any flow that emits an event whose
// payload drifts from /v1/events/schemas fails the transaction, and with it the test.
import { registerAjvFormats } from '@fastify/type-provider-typebox';
import { Compile, type Validator } from 'typebox/compile';
import { EVENT_TYPES, isEventType, type DomainEvent, type EventType } from './catalogue.js';
import { envelopeSchema } from './payload-schemas.js';

registerAjvFormats();

const validators = new Map<EventType, Validator>();

function validator(type: EventType): Validator {
  let v = validators.get(type);
  if (!v) validators.set(type, (v = Compile(envelopeSchema(type))));
  return v;
}

export class EventSchemaError extends Error {}

/** Where the event (as JSON, the way receivers see it) breaks its schema; [] when it matches. */
export function eventSchemaProblems(event: DomainEvent | Record<string, unknown>): string[] {
  const wire = JSON.parse(JSON.stringify(event)) as { type?: unknown };
  if (typeof wire.type !== 'string' || !isEventType(wire.type)) return [`unknown event type ${String(wire.type)}`];
  const v = validator(wire.type);
  if (v.Check(wire)) return [];
  return v.Errors(wire).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

// Read per event, so a test file can turn checking on for the service it runs in-process.
const enabled = () => process.env.EVENT_SCHEMA_CHECK === '1';
// When checking from the start, compile every type now rather than inside the first
// transaction that emits it, so the check adds no first-use pause to a flow's timing.
if (enabled()) for (const type of EVENT_TYPES) validator(type);

/** Throws when checking is on and the event breaks its schema. */
export function checkEventSchema(event: DomainEvent): void {
  if (!enabled()) return;
  const problems = eventSchemaProblems(event);
  if (problems.length) throw new EventSchemaError(`event ${event.type} does not match its schema: ${problems.join('; ')}`);
}
