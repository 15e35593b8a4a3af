// Reads the event journal (the outbox) for a report range. Spans reach back before the
// range (a state left inside it may have begun before) and first-call resolution looks
// ahead after it, so the read is wider than the range; the KPI engine clips.
import type { Queryable } from '../db/pool.js';
import type { JournalEvent } from './kpi.js';

export const KPI_EVENT_TYPES = [
  'call.queued',
  'call.connected',
  'call.abandoned',
  'call.overflowed',
  'call.resumed',
  'call.transfer_completed',
  'agent.state_changed',
  'survey.completed',
];

export async function readJournal(
  db: Queryable,
  opts: { from: Date; to: Date; lookBehindMs: number; lookAheadMs: number; types?: string[] },
): Promise<JournalEvent[]> {
  const { rows } = await db.query(
    `SELECT payload FROM outbox
      WHERE type = ANY($1) AND created_at >= $2 AND created_at < $3
      ORDER BY id`,
    [opts.types ?? KPI_EVENT_TYPES, new Date(opts.from.getTime() - opts.lookBehindMs), new Date(opts.to.getTime() + opts.lookAheadMs)],
  );
  return rows.map((r) => r.payload as JournalEvent);
}

/** The newest sequence written, readable or not yet (0 for an empty journal). */
export async function journalTail(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ tail: number | null }>('SELECT max(id) AS tail FROM outbox');
  return Number(rows[0]?.tail ?? 0);
}
