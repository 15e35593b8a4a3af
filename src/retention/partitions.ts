// Partitions of the time-partitioned tables: read from the catalogue, created ahead, and
// dropped whole once past retention. Dropping a journal partition moves the journal's
// floor in the same transaction, so a cursor behind it is answered 410, never a gap.
import type { Db, DbClient } from '../db/pool.js';
import { sequenceJournal } from '../events/sequencer.js';
import type { ExistingPartition, PartitionedTable } from './rules.js';

/**
 * Creating or dropping a partition locks its table exclusively. The lock is taken first,
 * before anything else is held (so the job is never part of a deadlock with the writers),
 * and waited for briefly: writers queue behind a waiting exclusive lock, so a long wait
 * would stall calls. Not granted in time: retried at the next run (partitions exist days ahead).
 */
const LOCK_TIMEOUT = '200ms';

/** One transaction on the job's own connection (the one holding its advisory lock). */
async function inTransaction(c: DbClient, fn: () => Promise<void>): Promise<void> {
  await c.query('BEGIN');
  try {
    await fn();
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function lockTable(tx: DbClient, table: string): Promise<void> {
  await tx.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
  await tx.query(`LOCK TABLE ${ident(table)} IN ACCESS EXCLUSIVE MODE`);
}

export async function listPartitions(db: Pick<Db, 'query'>, table: string): Promise<ExistingPartition[]> {
  const { rows } = await db.query<{ name: string; bound: string; from: Date | null; to: Date | null }>(
    `SELECT c.relname AS name, b.bound,
       (regexp_match(b.bound, 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz AS "from",
       (regexp_match(b.bound, 'TO \\(''([^'']+)''\\)'))[1]::timestamptz AS "to"
     FROM pg_inherits i
     JOIN pg_class c ON c.oid = i.inhrelid
     CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS bound) b
     WHERE i.inhparent = $1::regclass`,
    [table],
  );
  return rows.map((r) => ({
    name: r.name,
    isDefault: r.bound === 'DEFAULT',
    ...(r.from ? { from: r.from } : {}),
    ...(r.to ? { to: r.to } : {}),
  }));
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Creates one partition. Rows that already landed in the default partition for its range
 * (the job did not run for a while) move into it in the same transaction.
 */
export async function createPartition(tx: DbClient, t: PartitionedTable, p: { name: string; from: Date; to: Date }): Promise<void> {
  await inTransaction(tx, async () => {
    await lockTable(tx, t.table);
    const range = [p.from.toISOString(), p.to.toISOString()];
    const stray = await tx.query(`SELECT 1 FROM ${ident(`${t.table}_default`)} WHERE ${t.key} >= $1 AND ${t.key} < $2 LIMIT 1`, range);
    if (stray.rowCount) {
      await tx.query(`CREATE TEMP TABLE cti_moving (LIKE ${ident(t.table)}) ON COMMIT DROP`);
      await tx.query(
        `WITH m AS (DELETE FROM ${ident(`${t.table}_default`)} WHERE ${t.key} >= $1 AND ${t.key} < $2 RETURNING *)
         INSERT INTO cti_moving SELECT * FROM m`,
        range,
      );
    }
    // Storage parameters (the journal's fillfactor, migration 196) are set per partition:
    // a new one takes the default partition's.
    const { rows: opts } = await tx.query<{ options: string[] | null }>(
      'SELECT reloptions AS options FROM pg_class WHERE oid = $1::regclass',
      [`${t.table}_default`],
    );
    const storage = opts[0]?.options?.length ? ` WITH (${opts[0].options.join(', ')})` : '';
    await tx.query(
      `CREATE TABLE ${ident(p.name)} PARTITION OF ${ident(t.table)} FOR VALUES FROM ('${range[0]}') TO ('${range[1]}')${storage}`,
    );
    if (stray.rowCount) await tx.query(`INSERT INTO ${ident(t.table)} SELECT * FROM cti_moving`);
  });
}

/** Drops one partition; for the journal, also raises the floor to its newest position. */
export async function dropPartition(tx: DbClient, t: PartitionedTable, name: string): Promise<void> {
  if (t.table === 'outbox') await sequenceJournal(tx, { wait: true });
  await inTransaction(tx, async () => {
    if (t.table === 'outbox') {
      // Taken before the table, in the sequencer's order, so the two never wait on each other in turn.
      await tx.query('SELECT head FROM journal_state FOR UPDATE');
    }
    await lockTable(tx, t.table);
    if (t.table === 'outbox') {
      const { rows } = await tx.query<{ last: number | null }>(`SELECT max(position) AS last FROM ${ident(name)}`);
      await tx.query(`DROP TABLE ${ident(name)}`);
      await tx.query('UPDATE journal_state SET floor = greatest(floor, $1)', [Number(rows[0]?.last ?? 0)]);
    } else {
      await tx.query(`DROP TABLE ${ident(name)}`);
    }
    // Cached call details may hold timeline entries that are gone.
    if (t.table === 'call_events') await tx.query(`SELECT pg_notify('cti_call_changed', '*')`);
  });
}
