// Typed event envelopes, from the schemas the service publishes at /v1/events/schemas.
import type { EventType } from '../../src/events/catalogue.js';
import type { EventPayloads } from '../../src/events/payload-schemas.js';

export type { EventType, EventPayloads };
export { EVENT_TYPES } from '../../src/events/catalogue.js';

export interface EventOf<K extends EventType> {
  id: string;
  type: K;
  version: number;
  occurredAt: string;
  callId?: string;
  pbxNode?: string;
  /** Journal and resumed streams only. */
  sequence?: number;
  data: EventPayloads[K];
}

/** Any event; narrow on `type` to get its payload. */
export type AnyEvent = { [K in EventType]: EventOf<K> }[EventType];

export function isEvent<K extends EventType>(event: AnyEvent, type: K): event is Extract<AnyEvent, { type: K }> {
  return event.type === type;
}
