// Asking Asterisk to send a session only the events its consumers read. The `Events:`
// mask selects whole classes; the Filter action (one per filter, Operation: Add) narrows
// further by event name and header. Filters can only be added, never removed, and any
// include filter makes Asterisk drop every event no include filter matches: a session
// whose filters were only partly added would silently miss events. See docs/asterisk.md.
import { AmiActionError } from './errors.js';
import { sendAction, type Connection } from './connection.js';

/** One Filter action: `MatchCriteria` (Asterisk 21+ advanced syntax) and `Filter`. */
export interface AmiEventFilter {
  /** e.g. `name(Hangup)` or `name(VarSet),header(Variable),method(starts_with)`. */
  matchCriteria?: string;
  /** The pattern; omitted when the criteria alone select (method none). */
  filter?: string;
}

/**
 * - applied: every filter was added; the session receives only what they let through.
 * - refused: every filter was answered Error (the user lacks the `system` write
 *   privilege, or the PBX does not know the syntax): the session is unfiltered and whole.
 * - partial: some were added, some refused: the event set is unknown.
 * - failed: no answer (timeout, connection lost).
 */
export type FilterOutcome = { kind: 'applied' } | { kind: 'refused'; message: string } | { kind: 'partial'; message: string } | { kind: 'failed'; error: Error };

/** Sends every filter at once (Asterisk answers a session's actions in order) and sorts the answers. */
export async function applyEventFilters(conn: Connection, filters: readonly AmiEventFilter[], timeoutMs: number): Promise<FilterOutcome> {
  const sent = filters.map((f) => {
    const pairs: Array<[string, string]> = [
      ['Action', 'Filter'],
      ['Operation', 'Add'],
    ];
    if (f.matchCriteria !== undefined) pairs.push(['MatchCriteria', f.matchCriteria]);
    if (f.filter !== undefined) pairs.push(['Filter', f.filter]);
    return sendAction(conn, pairs, timeoutMs);
  });
  const results = await Promise.allSettled(sent);
  let added = 0;
  let refusal: string | undefined;
  for (const r of results) {
    if (r.status === 'fulfilled') added++;
    else if (r.reason instanceof AmiActionError) refusal ??= r.reason.amiMessage;
    else return { kind: 'failed', error: r.reason as Error };
  }
  if (refusal === undefined) return { kind: 'applied' };
  return added === 0 ? { kind: 'refused', message: refusal } : { kind: 'partial', message: refusal };
}
