// Who may receive an event. Events about objects a key owns (its API faxes, its refusals)
// carry that key as `ownerKeyId`; they reach that key and admin keys only. Events about
// calls, CDRs and the centre's own objects carry none and reach every reader.
import type { DomainEvent } from './catalogue.js';

/**
 * The owner of events no integrator key may see, only admin keys: a security alert about
 * a key would tell whoever holds that key that it was noticed, and every other key
 * which key it was and what it dialled. No key has this id.
 */
export const ADMINS_ONLY = '00000000-0000-0000-0000-000000000000';

/** `reader`: the reading key's id, or null for an admin key (sees all). */
export function receives(reader: string | null, event: Pick<DomainEvent, 'ownerKeyId'>): boolean {
  return reader === null || !event.ownerKeyId || event.ownerKeyId === reader;
}
