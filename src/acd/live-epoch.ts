// Whether Redis still holds the ACD's live state. The service keeps a beat in Redis
// (counted up every few seconds) and mirrors it into Postgres; a Redis without the beat
// came back empty (restarted without AOF, flushed), one whose beat is behind Postgres'
// came back from an old snapshot. Either way agents are rebuilt from Postgres (their last
// state, their open agent legs) before anything routes on them, by one instance at a time;
// waiting calls are rebuilt by each node's owner at its resync (see runtime-takeover.ts).
import type { Redis } from 'ioredis';
import type { Db } from '../db/pool.js';
import type { Logger } from '../log.js';

export type EpochVerdict = 'init' | 'adopt' | 'ok' | 'lost' | 'stale';

/**
 * Beats a Redis may be behind Postgres and still be trusted: an AOF fsynced every second
 * may lose the last beat it acknowledged.
 */
export const BEAT_SLACK = 1;

export function epochVerdict(redisBeat: number | null, pgBeat: number | null): EpochVerdict {
  if (pgBeat === null) return redisBeat === null ? 'init' : 'adopt';
  if (redisBeat === null) return 'lost';
  return redisBeat < pgBeat - BEAT_SLACK ? 'stale' : 'ok';
}

export interface LiveEpochOptions {
  db: Db;
  redis: Redis;
  prefix: string;
  log: Logger;
  /** Rebuilds the agents' live state; `overwrite` when Redis holds stale agents, not none. */
  rebuild: (overwrite: boolean) => Promise<number>;
  /** How long the rebuilding instance may hold the others off. */
  lockMs?: number;
}

export class LiveEpoch {
  private running: Promise<EpochVerdict> | undefined;
  /** Rebuilds done by this instance (metrics, tests). */
  rebuilds = 0;

  constructor(private readonly o: LiveEpochOptions) {}

  private get key() {
    return `${this.o.prefix}:acd:epoch`;
  }
  private get lockKey() {
    return `${this.o.prefix}:acd:rebuilding`;
  }

  /** Checks (and repairs) the live state; concurrent callers share one check. */
  ensure(): Promise<EpochVerdict> {
    this.running ??= this.check().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async beats(): Promise<{ redisBeat: number | null; pgBeat: number | null }> {
    const [raw, { rows }] = await Promise.all([
      this.o.redis.hget(this.key, 'beat'),
      this.o.db.query<{ beat: string }>('SELECT beat FROM acd_live_epoch WHERE id = 1'),
    ]);
    return { redisBeat: raw === null ? null : Number(raw), pgBeat: rows[0] ? Number(rows[0].beat) : null };
  }

  private async check(): Promise<EpochVerdict> {
    const { redis, db, log } = this.o;
    const { redisBeat, pgBeat } = await this.beats();
    const verdict = epochVerdict(redisBeat, pgBeat);
    if (verdict === 'ok' || verdict === 'adopt' || verdict === 'init') {
      const beat = await redis.hincrby(this.key, 'beat', 1);
      await db.query(
        'INSERT INTO acd_live_epoch (id, beat) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET beat = GREATEST(acd_live_epoch.beat, EXCLUDED.beat)',
        [beat],
      );
      return verdict;
    }
    // One instance rebuilds; the others wait for it and look again.
    const lockMs = this.o.lockMs ?? 30_000;
    const mine = await redis.set(this.lockKey, '1', 'PX', lockMs, 'NX');
    if (mine !== 'OK') {
      const until = Date.now() + lockMs;
      while ((await redis.exists(this.lockKey)) === 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      const again = await this.beats();
      return epochVerdict(again.redisBeat, again.pgBeat);
    }
    try {
      log.warn({ verdict, redisBeat, pgBeat }, verdict === 'lost' ? 'Redis lost the ACD live state; rebuilding agents from Postgres' : 'Redis came back from an old snapshot; rebuilding agents from Postgres');
      const agents = await this.o.rebuild(verdict === 'stale');
      // Past Postgres' beat: from now on this Redis is the trusted one.
      const beat = (pgBeat ?? 0) + BEAT_SLACK + 1;
      await redis.hset(this.key, 'beat', String(beat));
      await db.query('UPDATE acd_live_epoch SET beat = GREATEST(beat, $1) WHERE id = 1', [beat]);
      this.rebuilds++;
      log.info({ agents }, 'ACD agents rebuilt from Postgres');
      return verdict;
    } finally {
      await redis.del(this.lockKey).catch(() => 0);
    }
  }
}
