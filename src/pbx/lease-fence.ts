// The Postgres half of a PBX node lease (lease-keeper.ts): a row per node with its owner,
// the epoch it took, and when it expires by Postgres' clock. Redis alone cannot keep a node
// driven through a Redis outage: the owner would have to step down. With the row, an owner
// cut from Redis keeps the node while Postgres confirms its renewals, and an instance that
// takes the Redis key must take the row too, which it can only when the row expired or is
// its own, so two instances never drive one node.
import pg from 'pg';

export interface LeaseFence {
  /** Takes the row when it expired or is ours; false when another instance holds it. */
  take(): Promise<boolean>;
  /** Extends our row; false when another instance took it meanwhile. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
  close(): Promise<void>;
}

const TAKE = `
  INSERT INTO pbx_lease (lease_key, owner, epoch, expires_at)
  VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
  ON CONFLICT (lease_key) DO UPDATE
    SET owner = EXCLUDED.owner, epoch = pbx_lease.epoch + 1, expires_at = EXCLUDED.expires_at
    WHERE pbx_lease.expires_at < now() OR pbx_lease.owner = EXCLUDED.owner
  RETURNING epoch`;
// By owner and epoch, not expiry: a row that expired while Postgres was away is still ours
// if nobody took it (taking needs the Redis key, which we kept).
const RENEW = `UPDATE pbx_lease SET expires_at = now() + $4 * interval '1 millisecond'
  WHERE lease_key = $1 AND owner = $2 AND epoch = $3`;
const RELEASE = `UPDATE pbx_lease SET expires_at = '-infinity' WHERE lease_key = $1 AND owner = $2 AND epoch = $3`;

export function postgresFence(url: string, key: string, owner: string, ttlMs: number): LeaseFence {
  // One connection of its own; a statement or connect that hangs fails well within the TTL.
  const limit = Math.max(100, Math.floor(ttlMs / 3));
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: limit, query_timeout: limit });
  pool.on('error', () => {});
  let epoch: number | undefined;
  return {
    async take() {
      const { rows } = await pool.query<{ epoch: string }>(TAKE, [key, owner, ttlMs]);
      epoch = rows[0] ? Number(rows[0].epoch) : undefined;
      return epoch !== undefined;
    },
    async renew() {
      if (epoch === undefined) return false;
      const { rowCount } = await pool.query(RENEW, [key, owner, epoch, ttlMs]);
      return rowCount === 1;
    },
    async release() {
      if (epoch === undefined) return;
      const taken = epoch;
      epoch = undefined;
      await pool.query(RELEASE, [key, owner, taken]);
    },
    close: () => pool.end(),
  };
}
