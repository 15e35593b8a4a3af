// AMI event classes and the `Events:`/`EventMask:` values that select them, read the way
// Asterisk reads them: on/yes/true = everything, off/no/false = nothing, else a class list.
export const EVENT_CLASSES = [
  'system',
  'call',
  'log',
  'verbose',
  'command',
  'agent',
  'user',
  'config',
  'dtmf',
  'reporting',
  'cdr',
  'dialplan',
  'originate',
  'agi',
  'cc',
  'aoc',
  'test',
  'security',
  'message',
] as const;

export type EventMask = ReadonlySet<string>;

const ALL: EventMask = new Set(EVENT_CLASSES);
const NONE: EventMask = new Set();

export function parseEventMask(value: string | undefined): EventMask {
  if (value === undefined) return ALL;
  const v = value.trim().toLowerCase();
  if (['on', 'yes', 'true', 'y', 't', '1', 'all'].includes(v)) return ALL;
  if (['off', 'no', 'false', 'n', 'f', '0', ''].includes(v)) return NONE;
  const classes = new Set<string>();
  for (const part of v.split(',')) {
    const c = part.trim();
    if (c === 'all') return ALL;
    if ((EVENT_CLASSES as readonly string[]).includes(c)) classes.add(c);
  }
  return classes;
}
