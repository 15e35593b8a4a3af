import pg from 'pg';

export type Db = pg.Pool;
export type DbClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

// BIGINT (int8) ids fit in a JS number for this service's lifetime; parse them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * A client that runs named (prepared) statements as plain ones. PGlite serves every
 * connection from one session, so a statement prepared on one connection already
 * exists on the next and preparing it again fails; the demo's embedded database uses
 * this client.
 */
class UnpreparedClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [config] = args;
    if (config && typeof config === 'object' && 'name' in config && 'text' in config) {
      const { name: _name, ...plain } = config as Record<string, unknown>;
      args[0] = plain;
    }
    return (pg.Client.prototype.query as (...a: unknown[]) => never).apply(this, args);
  }
}

export function createPool(url: string, max = 10, options: { namedStatements?: boolean } = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    ...(options.namedStatements === false ? { Client: UnpreparedClient } : {}),
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener the
  // process would crash on a Postgres restart. The next query gets a fresh connection.
  pool.on('error', () => {});
  return pool;
}

/** Runs fn in one transaction; rolls back on any error. */
export async function withTransaction<T>(db: Db, fn: (client: DbClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  // A connection lost mid-transaction (a Postgres restart, a terminated backend) is also
  // emitted on the checked-out client; unheard, that event would crash the process. The
  // broken client is then destroyed instead of going back to the pool.
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
