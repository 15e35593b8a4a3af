// The event journal: the outbox read back in order. The outbox id is the global sequence
// number. A row becomes readable only once every transaction that started before it has
// finished (its txid is below the snapshot's xmin), so a later page can never turn up an
// event with a smaller number than one already served: a client's cursor is safe.
import type { Queryable } from '../db/pool.js';
import type { DomainEvent, EventType } from './catalogue.js';

export interface JournalEntry {
  sequence: number;
  event: DomainEvent;
}

export interface JournalPage {
  entries: JournalEntry[];
  /** The cursor for the next read: the last sequence served, or `after` when none was. */
  next: number;
}

const SQL = `SELECT id, payload FROM outbox
  WHERE id > $1 AND txid < pg_snapshot_xmin(pg_current_snapshot())
    AND ($3::text[] IS NULL OR type = ANY($3::text[]))
  ORDER BY id LIMIT $2`;

export async function readJournal(db: Queryable, after: number, limit: number, types?: ReadonlySet<EventType>): Promise<JournalPage> {
  const { rows } = await db.query<{ id: number; payload: DomainEvent }>({
    name: 'journal-page',
    text: SQL,
    values: [after, limit, types ? [...types] : null],
  });
  const entries = rows.map((r) => ({ sequence: Number(r.id), event: r.payload }));
  return { entries, next: entries.length ? entries[entries.length - 1]!.sequence : after };
}

/** The newest readable sequence number (0 for an empty journal): where "from now on" starts. */
export async function journalHead(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ head: number | null }>(
    'SELECT max(id) AS head FROM outbox WHERE txid < pg_snapshot_xmin(pg_current_snapshot())',
  );
  return Number(rows[0]?.head ?? 0);
}

/** The envelope as the journal serves it: the event plus its sequence number. */
export const withSequence = (e: JournalEntry): DomainEvent & { sequence: number } => ({ ...e.event, sequence: e.sequence });
