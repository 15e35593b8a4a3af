// Which events a stream subscriber wants: exact names (`cdr.created`), family wildcards
// (`call.*`) or everything (`*` or no filter). Unknown names are an error, not silence:
// a typo must not look like a quiet PBX.
import { EVENT_TYPES, isEventType, type EventType } from '../events/catalogue.js';

export type EventFilter = (type: string) => boolean;

export class EventFilterError extends Error {
  override name = 'EventFilterError';
}

/** The set of catalogue event types matched by a comma-separated filter. */
export function parseEventFilter(spec: string | undefined): Set<EventType> {
  const all = new Set<EventType>(EVENT_TYPES);
  if (spec === undefined || spec.trim() === '') return all;
  const chosen = new Set<EventType>();
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    if (part === '*') return all;
    if (part.endsWith('.*')) {
      const family = part.slice(0, -1); // keeps the dot: 'call.'
      const members = EVENT_TYPES.filter((t) => t.startsWith(family));
      if (members.length === 0) throw new EventFilterError(`no event types match '${part}'`);
      members.forEach((t) => chosen.add(t));
    } else if (isEventType(part)) {
      chosen.add(part);
    } else {
      throw new EventFilterError(`unknown event type '${part}'`);
    }
  }
  if (chosen.size === 0) throw new EventFilterError('the types filter names no event type');
  return chosen;
}
