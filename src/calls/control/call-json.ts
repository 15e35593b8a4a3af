// A call as the API shows it; also the result of a forwarded click-to-dial, so it is JSON.
import type { Static } from 'typebox';
import type { Call } from '../repository.js';
import type { CallSummary } from '../schemas.js';

export function callJson(c: Call): Static<typeof CallSummary> {
  return {
    id: c.id,
    pbxNode: c.pbxNode,
    channelId: c.channelId,
    linkedid: c.linkedid,
    direction: c.direction,
    state: c.state,
    caller: { number: c.callerNumber, name: c.callerName },
    dnis: c.dnis,
    data: c.data,
    createdAt: c.createdAt.toISOString(),
    answeredAt: c.answeredAt?.toISOString() ?? null,
    endedAt: c.endedAt?.toISOString() ?? null,
    hangupCause: c.hangupCause,
  };
}
