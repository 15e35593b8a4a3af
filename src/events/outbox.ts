// Writing to the outbox is part of the caller's transaction: an event exists exactly
// when the state change it announces was committed.
import { uuidv7 } from '../ids.js';
import type { Queryable } from '../db/pool.js';
import type { DomainEvent, EventType } from './catalogue.js';
import { checkEventSchema } from './schema-check.js';
import { currentTraceparent } from '../tracing/tracer.js';

export interface NewEvent<T> {
  type: EventType;
  callId?: string;
  pbxNode?: string;
  ownerKeyId?: string | null;
  data: T;
  occurredAt?: Date;
}

/** The full event as stored and delivered: a fresh id, the time it happened. */
export function domainEvent<T extends Record<string, unknown>>(event: NewEvent<T>): DomainEvent<T> {
  return {
    id: uuidv7(),
    type: event.type,
    version: 1,
    occurredAt: (event.occurredAt ?? new Date()).toISOString(),
    ...(event.callId ? { callId: event.callId } : {}),
    ...(event.pbxNode ? { pbxNode: event.pbxNode } : {}),
    ...(event.ownerKeyId ? { ownerKeyId: event.ownerKeyId } : {}),
    data: event.data,
  };
}

export async function appendOutbox<T extends Record<string, unknown>>(
  tx: Queryable,
  event: NewEvent<T>,
): Promise<DomainEvent<T>> {
  const full = domainEvent(event);
  checkEventSchema(full);
  // No journal position yet: the sequencer stamps the row once it is committed (sequencer.ts).
  await tx.query({
    name: 'outbox-append',
    text: 'INSERT INTO outbox (event_id, type, payload, trace_parent, owner_key_id) VALUES ($1, $2, $3, $4, $5)',
    values: [full.id, full.type, full, currentTraceparent() ?? null, full.ownerKeyId ?? null],
  });
  return full;
}

/**
 * Inserts an event built elsewhere (its id chosen before it was written, e.g. by a Redis
 * script). A second insert of the same event is a no-op, so a relay that crashed between
 * its commit and forgetting the event can safely insert it again. True when inserted.
 * The row's time is the event's own: the journal is unique by (event id, time), its
 * partition key, so both inserts of one event name the same row.
 */
export async function insertOutboxOnce(tx: Queryable, event: DomainEvent): Promise<boolean> {
  checkEventSchema(event);
  // Named: every agent state change comes this way, so Postgres parses and plans it once per connection.
  const res = await tx.query({
    name: 'outbox-insert-once',
    text: 'INSERT INTO outbox (event_id, type, payload, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    values: [event.id, event.type, event, event.occurredAt],
  });
  return (res.rowCount ?? 0) > 0;
}

/**
 * insertOutboxOnce for several events in one statement, in the order given: the ids of
 * those inserted now (an event already there is skipped, as alone).
 */
export async function insertOutboxOnceMany(tx: Queryable, events: readonly DomainEvent[]): Promise<Set<string>> {
  if (!events.length) return new Set();
  events.forEach(checkEventSchema);
  const { rows } = await tx.query<{ event_id: string }>({
    name: 'outbox-insert-once-many',
    text: `INSERT INTO outbox (event_id, type, payload, created_at)
      SELECT e.event_id, e.type, e.payload, e.at
      FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::timestamptz[]) WITH ORDINALITY AS e(event_id, type, payload, at, n)
      ORDER BY e.n
      ON CONFLICT DO NOTHING RETURNING event_id`,
    values: [events.map((e) => e.id), events.map((e) => e.type), events.map((e) => JSON.stringify(e)), events.map((e) => e.occurredAt)],
  });
  return new Set(rows.map((r) => r.event_id));
}

/** Several events in one statement, in the order given (ids, and so journal positions, follow it). */
export async function appendOutboxMany(tx: Queryable, events: readonly DomainEvent[]): Promise<void> {
  if (!events.length) return;
  events.forEach(checkEventSchema);
  await tx.query({
    name: 'outbox-append-many',
    text: `INSERT INTO outbox (event_id, type, payload, trace_parent)
      SELECT e.event_id, e.type, e.payload, $4
      FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS e(event_id, type, payload, n)
      ORDER BY e.n`,
    values: [events.map((e) => e.id), events.map((e) => e.type), events.map((e) => JSON.stringify(e)), currentTraceparent() ?? null],
  });
}
