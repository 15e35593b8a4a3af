// The invariants a fault run is judged by, read once the load stopped and things settled:
// every call the PBX or the API accepted is recorded and has one CDR, none is left open,
// every agent is back where they truly are (ready: every call ended), every event reached
// the webhook and the connector once, no delivery is stranded, and the PBX has no bridge left.
import type { Db } from '../src/db/pool.js';
import type { Load, Receiver } from './load.js';

export interface Invariants {
  started: number;
  /** Calls the PBX (simulator down) or the API (click-to-dial) refused: never started. */
  refused: string;
  recorded: number;
  /** Callers the service never recorded (the dialplan's fallback took them) of whom AMI brought Asterisk's own Cdr. */
  unrecordedWithAsteriskCdr: number;
  /** Of the recorded, callers the dialplan's fallback took while no instance drove the node (CDR `unattended`). */
  unattended: number;
  withOneCdr: number;
  open: number;
  agentsWrong: string;
  webhookMissing: number;
  webhookDuplicated: number;
  /** Of the missing, events not yet fanned out or with a delivery still pending: late, not lost. */
  webhookInFlight: number;
  connectorMissing: number;
  connectorDuplicated: number;
  connectorInFlight: number;
  stranded: number;
  deadLetters: number;
  leftoverBridges: number;
  /** Replayed Idempotency-Keys: answered with another call / refused (4xx) / answered by no instance. */
  idempotencyReplays: string;
}

async function count(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
}

function compare(expected: string[], seen: Map<string, number>): { missing: string[]; duplicated: number } {
  const missing = expected.filter((id) => !seen.has(id));
  let duplicated = 0;
  for (const n of seen.values()) if (n > 1) duplicated++;
  return { missing, duplicated };
}

/** Where each missing event stopped, on stderr: so a loss can be told from lateness. */
async function traceMissing(db: Db, what: string, table: 'webhook_deliveries' | 'connector_deliveries', ids: string[]): Promise<void> {
  if (!ids.length) return;
  const { rows } = await db.query(
    `SELECT o.type, o.position, o.created_at, o.published_at, o.fanned_out_at, d.status, d.attempts, d.last_error
     FROM outbox o LEFT JOIN ${table} d ON d.event_id = o.event_id WHERE o.event_id = ANY($1::uuid[]) ORDER BY o.position`,
    [ids],
  );
  for (const r of rows) console.error(`  ${what} missing: ${JSON.stringify(r)}`);
}

/** Of these events, those still on their way: not fanned out yet, or a delivery of `table` still pending. */
async function inFlight(db: Db, table: 'webhook_deliveries' | 'connector_deliveries', ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const { rows } = await db.query<{ event_id: string }>(
    `SELECT o.event_id FROM outbox o WHERE o.event_id = ANY($1::uuid[])
       AND (o.fanned_out_at IS NULL OR EXISTS (SELECT 1 FROM ${table} d WHERE d.event_id = o.event_id AND d.status IN ('pending', 'failed')))`,
    [ids],
  );
  return new Set(rows.map((r) => r.event_id));
}

export async function measure(
  db: Db,
  load: Load,
  webhook: Receiver,
  connector: Receiver,
  agentStates: () => Promise<Record<string, string>>,
  bridges: () => Promise<number>,
): Promise<Invariants> {
  const ours = `SELECT id FROM calls WHERE channel_id = ANY($1::text[]) UNION SELECT id FROM calls WHERE id = ANY($2::uuid[])`;
  const params = [load.callers, load.dials];
  const recorded = await count(db, `SELECT count(*) AS n FROM (${ours}) c`, params);
  const withOneCdr = await count(db, `SELECT count(*) AS n FROM (SELECT c.id FROM (${ours}) c JOIN cdrs d ON d.call_id = c.id GROUP BY c.id HAVING count(*) = 1) x`, params);
  const unrecordedWithAsteriskCdr = await count(
    db,
    `SELECT count(DISTINCT a.unique_id) AS n FROM asterisk_cdrs a
      WHERE a.unique_id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.channel_id = a.unique_id)`,
    [load.callers],
  );
  const unattended = await count(
    db,
    `SELECT count(*) AS n FROM (${ours}) c JOIN cdrs d ON d.call_id = c.id WHERE d.disposition = 'unattended'`,
    params,
  );
  const open = await count(db, "SELECT count(*) AS n FROM calls WHERE state <> 'ended'");
  const hooked = (await db.query<{ event_id: string }>("SELECT event_id FROM outbox WHERE type IN ('call.created', 'call.ended', 'cdr.created')")).rows.map((r) => r.event_id);
  const cdrEvents = (await db.query<{ event_id: string }>("SELECT event_id FROM outbox WHERE type = 'cdr.created'")).rows.map((r) => r.event_id);
  // Read before the receivers' counts: an event delivered in between then counts as
  // neither missing nor in flight, never as missing but not in flight.
  const webhookWay = await inFlight(db, 'webhook_deliveries', hooked);
  const connectorWay = await inFlight(db, 'connector_deliveries', cdrEvents);
  const wh = compare(hooked, webhook.seen);
  const cn = compare(cdrEvents, connector.seen);
  const stranded =
    (await count(db, "SELECT count(*) AS n FROM webhook_deliveries WHERE status IN ('pending', 'failed')")) +
    (await count(db, "SELECT count(*) AS n FROM connector_deliveries WHERE status IN ('pending', 'failed')"));
  const deadLetters =
    (await count(db, "SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'dead'")) + (await count(db, "SELECT count(*) AS n FROM connector_deliveries WHERE status = 'dead'"));
  await traceMissing(db, 'webhook', 'webhook_deliveries', wh.missing);
  await traceMissing(db, 'connector', 'connector_deliveries', cn.missing);
  const states = await agentStates();
  const wrong = Object.entries(states).filter(([, s]) => s !== 'ready');
  const byState = new Map<string, number>();
  for (const [, s] of wrong) byState.set(s, (byState.get(s) ?? 0) + 1);
  return {
    started: load.callers.length + load.dials.length,
    refused: `${load.refusedCalls} / ${load.refusedDials}`,
    recorded,
    unrecordedWithAsteriskCdr,
    unattended,
    withOneCdr,
    open,
    agentsWrong: wrong.length ? [...byState].map(([s, n]) => `${n} ${s}`).join(', ') : '0',
    webhookMissing: wh.missing.length,
    webhookDuplicated: wh.duplicated,
    webhookInFlight: wh.missing.filter((id) => webhookWay.has(id)).length,
    connectorMissing: cn.missing.length,
    connectorDuplicated: cn.duplicated,
    connectorInFlight: cn.missing.filter((id) => connectorWay.has(id)).length,
    stranded,
    deadLetters,
    leftoverBridges: await bridges(),
    idempotencyReplays: `${load.idempotencyMismatches} / ${load.replaysRefused} / ${load.replaysUnanswered}`,
  };
}
