// The ACD's outbox events (payloads agreed in docs/events.md): agent state changes and
// the call.* events of a call's stay in a queue. A call.* event is written in the
// transaction that records what it announces. An agent's state lives in Redis, so its
// agent.state_changed event is built here with its id chosen up front and appended by the
// Redis script that writes the state; the state relay moves it into the outbox.
import { uuidv7 } from '../ids.js';
import type { Queryable } from '../db/pool.js';
import type { DomainEvent } from '../events/catalogue.js';
import { domainEvent } from '../events/outbox.js';
import { currentTraceparent } from '../tracing/tracer.js';
import { checkEventSchema } from '../events/schema-check.js';
import { callSummary, type Call } from '../calls/repository.js';
import type { AgentStatus } from './agent-state.js';

export interface StateEventContext {
  callId?: string | null;
  queueId?: string | null;
}

export function stateChangedEvent(
  agentId: string,
  from: Pick<AgentStatus, 'state' | 'sinceMs' | 'callId'>,
  to: Pick<AgentStatus, 'state' | 'reason' | 'callId'>,
  atMs: number,
  context: StateEventContext = {},
): DomainEvent {
  return {
    id: uuidv7(),
    type: 'agent.state_changed',
    version: 1,
    occurredAt: new Date(atMs).toISOString(),
    data: {
      agentId,
      from: from.state,
      to: to.state,
      reason: to.reason,
      durationMs: Math.max(0, atMs - from.sinceMs),
      callId: context.callId ?? to.callId ?? from.callId ?? null,
      queueId: context.queueId ?? null,
    },
  };
}

export type QueueCallEvent = 'call.queued' | 'call.offered' | 'call.connected' | 'call.abandoned' | 'call.overflowed';

/**
 * The call's timeline row and its event in one statement (a round trip fewer on the
 * queue entry and on the outcome of every queued call). The outbox row is the one
 * appendOutbox writes: no journal position yet, the sequencer stamps it after the commit.
 * `records`: the writes the event announces, as CTEs of the same statement (their parameters
 * numbered from $8), so a record and its announcement are one round trip.
 */
export async function announceCall(
  tx: Queryable,
  type: QueueCallEvent,
  call: Call,
  extra: Record<string, unknown>,
  at = new Date(),
  records?: { name: string; ctes: string; values: unknown[] },
): Promise<void> {
  const event = queueCallEvent(type, call, extra, at);
  await tx.query({
    name: records ? `acd-announce-call-${records.name}` : 'acd-announce-call',
    text: `WITH ${records ? `${records.ctes},\n` : ''}timeline AS (INSERT INTO call_events (call_id, type, at, data) SELECT id, $2, $3, $4 FROM calls WHERE id = $1)
      INSERT INTO outbox (event_id, type, payload, trace_parent, owner_key_id) VALUES ($5, $2, $6, $7, NULL)`,
    values: [call.id, type, at, extra, event.id, event, currentTraceparent() ?? null, ...(records?.values ?? [])],
  });
}

/** The event announceCall writes, built (and checked) beforehand for a statement that writes it itself. */
export function queueCallEvent(type: QueueCallEvent, call: Call, extra: Record<string, unknown>, at: Date): DomainEvent {
  const event = domainEvent({ type, callId: call.id, pbxNode: call.pbxNode, occurredAt: at, data: { ...callSummary(call), ...extra } });
  checkEventSchema(event);
  return event;
}
