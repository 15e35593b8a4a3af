// Row tables lose their old rows a batch at a time (each batch its own short statement), so
// no long transaction, no lock held for long, and a run that stops half-way simply
// continues at the next one.
import type { Db } from '../db/pool.js';
import type { TrimmedTable } from './rules.js';

/** Deletes up to batch × maxBatches rows older than `before`; returns how many. */
export async function trimTable(db: Pick<Db, 'query'>, t: TrimmedTable, before: Date, batch: number, maxBatches: number): Promise<number> {
  const where = `${t.time} < $1${t.onlyWhere ? ` AND (${t.onlyWhere})` : ''}`;
  const sql = `DELETE FROM ${t.table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${t.table} WHERE ${where} LIMIT $2))`;
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const { rowCount } = await db.query(sql, [before, batch]);
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) break;
  }
  return total;
}
