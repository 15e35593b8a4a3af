// Opaque keyset cursors for lists ordered by (created_at DESC, id DESC). The position
// is kept to the microsecond (Postgres precision; a JS Date would round to the
// millisecond and skip or repeat rows created in the same millisecond).
import { badRequest } from './problem.js';

export interface Position {
  /** microseconds since the Unix epoch, as a decimal string */
  micros: string;
  id: string;
}

export function encodeCursor(p: Position): string {
  return Buffer.from(`${p.micros}|${p.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^(-?\d{1,19})\|([0-9a-f-]{36})$/.exec(text);
  if (!m) throw badRequest("query parameter 'cursor' is not a cursor returned by this API");
  return { micros: m[1]!, id: m[2]! };
}

/** The select-list item that carries a row's position (needs `created_at`). */
export const KEYSET_MICROS = `(extract(epoch FROM created_at) * 1000000)::bigint::text AS cursor_micros`;

/** The condition "after the position in parameters $at (micros) and $at+1 (id)"; null micros: from the start. */
export const keysetAfter = (at: number): string =>
  `($${at}::bigint IS NULL OR (created_at, id) < (timestamptz 'epoch' + $${at}::bigint * interval '1 microsecond', $${at + 1}::uuid))`;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One page from `limit + 1` rows: the extra row only says that there is a next page. */
export function keysetPage<R extends { cursor_micros: string; id: string }, T>(rows: R[], limit: number, map: (r: R) => T): Page<T> {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return {
    items: kept.map(map),
    nextCursor: rows.length > limit && last ? encodeCursor({ micros: last.cursor_micros, id: last.id }) : null,
  };
}
