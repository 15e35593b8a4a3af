// A transfer as the API shows it.
import type { Static } from 'typebox';
import type { Transfer } from './repository.js';
import type { TransferSchema } from './schemas.js';

/** A transfer as the API shows it. */
export function publicTransfer(t: Transfer): Static<typeof TransferSchema> {
  return {
    id: t.id,
    callId: t.callId,
    mode: t.mode,
    state: t.state,
    fromAgentId: t.fromAgentId,
    to: t.to,
    initiatorPresent: t.initiatorPresent,
    reason: t.reason,
    outcome: t.outcome,
    timeoutMs: t.timeoutMs,
    createdAt: t.createdAt.toISOString(),
    answeredAt: t.answeredAt?.toISOString() ?? null,
    endedAt: t.endedAt?.toISOString() ?? null,
  };
}
