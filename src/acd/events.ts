// The ACD's outbox events (payloads agreed in docs/events.md): agent state changes and
// the call.* events of a call's stay in a queue. A call.* event is written in the
// transaction that records what it announces. An agent's state lives in Redis, so its
// agent.state_changed event is built here with its id chosen up front and appended by the
// Redis script that writes the state; the state relay moves it into the outbox.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/pool.js';
import type { DomainEvent } from '../events/catalogue.js';
import { appendOutbox } from '../events/outbox.js';
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
    id: randomUUID(),
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

export async function announceCall(
  tx: Queryable,
  type: 'call.queued' | 'call.offered' | 'call.connected' | 'call.abandoned' | 'call.overflowed',
  call: Call,
  extra: Record<string, unknown>,
  at = new Date(),
): Promise<void> {
  await appendOutbox(tx, { type, callId: call.id, pbxNode: call.pbxNode, occurredAt: at, data: { ...callSummary(call), ...extra } });
}
