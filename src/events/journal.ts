// The event journal: the outbox read back by journal position. Positions are handed out
// after commit, in the order the sequencer stamps rows (sequencer.ts), so paging by position
// serves every event exactly once in one stable order whatever the interleaving of the
// transactions that wrote them, and waits for no transaction but the sequencer's own.
import { ProblemError } from '../api/problem.js';
import type { Queryable } from '../db/pool.js';
import type { DomainEvent, EventType } from './catalogue.js';
import { sequenceJournal } from './sequencer.js';

export interface JournalEntry {
  sequence: number;
  event: DomainEvent;
}

export interface JournalPage {
  entries: JournalEntry[];
  /** The cursor for the next read: the last sequence served, or `after` when none was. */
  next: number;
}

/** A cursor behind what retention has removed: the events after it are partly gone. */
export class JournalGoneError extends Error {
  constructor(
    readonly after: number,
    /** The cursor to resume from: every position after it is still there. */
    readonly floor: number,
  ) {
    super(`events after sequence ${after} were removed by retention; the oldest available sequence is ${floor + 1} (resume with after=${floor})`);
  }
}

const SQL = `SELECT position, payload FROM outbox
  WHERE position > $1 AND ($3::text[] IS NULL OR type = ANY($3::text[]))
    AND ($4::uuid IS NULL OR owner_key_id IS NULL OR owner_key_id = $4::uuid)
  ORDER BY position LIMIT $2`;

/** The 410 a cursor behind retention answers: where to resume, in the problem's fields. */
export const goneProblem = (err: JournalGoneError): ProblemError =>
  new ProblemError(410, err.message, { oldestSequence: err.floor + 1, resumeAfter: String(err.floor) });

/** Throws JournalGoneError for a cursor that retention has passed. */
export async function checkCursor(db: Queryable, after: number): Promise<void> {
  const { floor } = await journalBounds(db);
  if (after < floor) throw new JournalGoneError(after, floor);
}

/**
 * `reader`: the reading key, whose page skips events of objects other keys own (audience.ts);
 * null or absent: every event (admin keys, the service). Skipped rows only leave the
 * positions served sparser, as a type filter does: the cursor still only moves forward.
 */
export async function readJournal(
  db: Queryable,
  after: number,
  limit: number,
  types?: ReadonlySet<EventType>,
  reader: string | null = null,
): Promise<JournalPage> {
  await sequenceJournal(db, { wait: true });
  const { rows } = await db.query<{ position: number; payload: DomainEvent }>({
    name: 'journal-page',
    text: SQL,
    values: [after, limit, types ? [...types] : null, reader],
  });
  // Checked after the read: retention removes a partition and moves the floor in one
  // transaction, which cannot commit while this read is running, so a page read from a
  // partly removed range is always refused.
  await checkCursor(db, after);
  const entries = rows.map((r) => ({ sequence: Number(r.position), event: r.payload }));
  return { entries, next: entries.length ? entries[entries.length - 1]!.sequence : after };
}

/** head: the newest position handed out; floor: the newest removed by retention (0: none). */
export async function journalBounds(db: Queryable): Promise<{ head: number; floor: number }> {
  const { rows } = await db.query<{ head: number; floor: number }>({
    name: 'journal-bounds',
    text: 'SELECT head, floor FROM journal_state',
  });
  return { head: Number(rows[0]?.head ?? 0), floor: Number(rows[0]?.floor ?? 0) };
}

/** The newest readable sequence number (0 for an empty journal): where "from now on" starts. */
export async function journalHead(db: Queryable): Promise<number> {
  await sequenceJournal(db, { wait: true });
  return (await journalBounds(db)).head;
}

/** The envelope as the journal serves it: the event plus its sequence number. */
export const withSequence = (e: JournalEntry): DomainEvent & { sequence: number } => ({ ...e.event, sequence: e.sequence });
