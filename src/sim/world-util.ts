// Small pure helpers of the world model: parsing what ARI/AMI callers pass in.
import { WorldError } from './world-errors.js';
import type { PartyId } from './world-types.js';

/** `"Alice Caller" <+15551230001>` / `Queue <100>` / `+1555` → name and number. */
export const EMPTY_PARTY = (): PartyId => ({ name: '', number: '' });

export function parseCallerId(value: string | undefined): PartyId {
  if (!value) return { name: '', number: '' };
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(value);
  if (m) return { name: (m[1] ?? m[2] ?? '').trim(), number: (m[3] ?? '').trim() };
  const v = value.trim();
  return /^[+\d*#]+$/.test(v) ? { name: '', number: v } : { name: v, number: '' };
}

export function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

export function splitArgs(appArgs: string | undefined): string[] {
  if (appArgs === undefined || appArgs === '') return [];
  return appArgs.split(',');
}

export function partyField(p: PartyId, arg: string): string | undefined {
  if (arg === 'num' || arg === 'number') return p.number;
  if (arg === 'name') return p.name;
  if (arg === 'all') return p.name ? `"${p.name}" <${p.number}>` : `<${p.number}>`;
  return undefined;
}

export function assertDtmf(digits: string): void {
  if (!/^[0-9A-Da-d*#wW]+$/.test(digits)) throw new WorldError('bad-request', 'Invalid DTMF digits');
}

export function muteDirections(direction: string): ('in' | 'out')[] {
  if (direction === 'in') return ['in'];
  if (direction === 'out') return ['out'];
  if (direction === 'both') return ['in', 'out'];
  throw new WorldError('bad-request', 'Invalid direction specified');
}
