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
