// Writing to the outbox is part of the caller's transaction: an event exists exactly
// when the state change it announces was committed.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/pool.js';
import type { DomainEvent, EventType } from './catalogue.js';

export interface NewEvent<T> {
  type: EventType;
  callId?: string;
  pbxNode?: string;
  data: T;
  occurredAt?: Date;
}

export async function appendOutbox<T extends Record<string, unknown>>(
  tx: Queryable,
  event: NewEvent<T>,
): Promise<DomainEvent<T>> {
  const full: DomainEvent<T> = {
    id: randomUUID(),
    type: event.type,
    version: 1,
    occurredAt: (event.occurredAt ?? new Date()).toISOString(),
    ...(event.callId ? { callId: event.callId } : {}),
    ...(event.pbxNode ? { pbxNode: event.pbxNode } : {}),
    data: event.data,
  };
  await tx.query('INSERT INTO outbox (event_id, type, payload) VALUES ($1, $2, $3)', [full.id, full.type, full]);
  return full;
}
