// Accepting a click-to-dial request: the key's limits and its Idempotency-Key are checked
// and the call is created in one transaction, serialised per key, so two instances
// never both let the eleventh concurrent call through.
import { createHash } from 'node:crypto';
import { withTransaction, type Db, type Queryable } from '../../db/pool.js';
import { ProblemError } from '../../api/problem.js';
import { insertOutboundCall, type NewOutboundCall } from './repository.js';

export interface DialRequest {
  apiKeyId: string;
  idempotencyKey: string | undefined;
  /** What was asked, so a reused key with another request is refused. */
  request: unknown;
  maxConcurrent: number;
  perMinute: number;
}

export type Accepted = { replay: false } | { replay: true; callId: string };

export function requestHash(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/** What a click-to-dial request asks, as its Idempotency-Key remembers it (the number as dialled). */
export function dialRequest(input: { extension: string; agentId?: string | undefined; data?: Record<string, unknown> | undefined }, number: string): unknown {
  return { extension: input.extension, to: number, agentId: input.agentId ?? null, data: input.data ?? {} };
}

/**
 * The call a key's earlier request with this Idempotency-Key created, if any; a 422 when
 * the key was used for a different request.
 */
export async function replayedDial(db: Queryable, apiKeyId: string, idempotencyKey: string | undefined, request: unknown): Promise<string | undefined> {
  if (idempotencyKey === undefined) return undefined;
  const { rows } = await db.query<{ call_id: string; request_hash: string }>(
    'SELECT call_id, request_hash FROM call_originations WHERE api_key_id = $1 AND idempotency_key = $2',
    [apiKeyId, idempotencyKey],
  );
  const seen = rows[0];
  if (!seen) return undefined;
  if (seen.request_hash !== requestHash(request)) {
    throw new ProblemError(422, 'this Idempotency-Key was used for a different request', { callId: seen.call_id });
  }
  return seen.call_id;
}

export async function acceptDial(db: Db, req: DialRequest, call: NewOutboundCall): Promise<Accepted> {
  const hash = requestHash(req.request);
  return withTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`dial:${req.apiKeyId}`]);
    const replayOf = await replayedDial(tx, req.apiKeyId, req.idempotencyKey, req.request);
    if (replayOf) return { replay: true, callId: replayOf };
    const { rows } = await tx.query<{ live: number; recent: number }>(
      `SELECT count(*) FILTER (WHERE c.state <> 'ended')::int AS live,
              count(*) FILTER (WHERE o.created_at > now() - interval '1 minute')::int AS recent
       FROM call_originations o JOIN calls c ON c.id = o.call_id WHERE o.api_key_id = $1`,
      [req.apiKeyId],
    );
    const { live = 0, recent = 0 } = rows[0] ?? {};
    if (live >= req.maxConcurrent) {
      throw new ProblemError(429, `this key already has ${live} calls up (limit ${req.maxConcurrent})`, { limit: 'concurrent', max: req.maxConcurrent });
    }
    if (recent >= req.perMinute) {
      throw new ProblemError(429, `this key placed ${recent} calls in the last minute (limit ${req.perMinute})`, { limit: 'per_minute', max: req.perMinute });
    }
    await insertOutboundCall(tx, call);
    await tx.query('INSERT INTO call_originations (call_id, api_key_id, idempotency_key, request_hash) VALUES ($1, $2, $3, $4)', [
      call.id,
      req.apiKeyId,
      req.idempotencyKey ?? null,
      hash,
    ]);
    return { replay: false };
  });
}

/**
 * Calls a key placed since `since`, counted up to `cap` (a budget needs to know no more
 * than whether it is spent): what the key's daily budget is judged from in Postgres.
 */
export async function dialsSince(db: Queryable, apiKeyId: string, since: Date, cap: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>({
    name: 'dials-since',
    text: 'SELECT count(*)::int AS n FROM (SELECT 1 FROM call_originations WHERE api_key_id = $1 AND created_at >= $2 LIMIT $3) d',
    values: [apiKeyId, since, cap],
  });
  return rows[0]?.n ?? 0;
}
