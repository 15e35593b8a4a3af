// Typed event envelopes. The type union and the payloads are generated from the service's
// OpenAPI document (events.gen.ts), the same schemas /v1/events/schemas publishes.
import type { EventPayloads, EventType } from './events.gen.js';

export type { EventType, EventPayloads };
export { EVENT_TYPES } from './events.gen.js';

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
