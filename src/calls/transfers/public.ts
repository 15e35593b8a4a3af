// What transfers show and dial: the API's view of a transfer, and the endpoint a target is
// rung at (an ACD agent reserved through the ACD, an extension, a number through the trunk,
// each after the dial policy).
import type { Static } from 'typebox';
import { ProblemError } from '../../api/problem.js';
import type { AgentDesk } from '../agent-desk.js';
import { checkDestination, dialRefused, type DialPolicy } from '../dial-policy.js';
import type { Transfer, TransferTarget } from './repository.js';
import type { TransferSchema } from './schemas.js';

/** The endpoint a transfer's target is rung at; 422/409 problems name what is wrong. */
export async function targetEndpoint(callId: string, req: { to: TransferTarget; policy: DialPolicy }, o: { desk?: AgentDesk | undefined; trunk: string }): Promise<string> {
  const { to } = req;
  const given = [to.agentId, to.extension, to.number].filter((x) => x !== undefined).length;
  if (given !== 1) throw new ProblemError(422, 'name exactly one target: agentId, extension or number');
  if (to.agentId !== undefined) {
    if (!o.desk) throw new ProblemError(422, 'transfers to an agent need the ACD, which this service does not run');
    const offer = await o.desk.reserveDirect(to.agentId, callId);
    if (!offer.ok) throw new ProblemError(offer.status === 404 ? 422 : 409, offer.reason, offer.state ? { agentState: offer.state } : {});
    return offer.endpoint;
  }
  const raw = (to.extension ?? to.number) as string;
  const checked = checkDestination(raw, req.policy);
  if (!checked.ok) throw dialRefused(checked);
  if (to.extension !== undefined) {
    if (!/^[0-9]{2,6}$/.test(checked.number)) throw new ProblemError(422, `'${raw}' is not an extension (2-6 digits)`);
    return `PJSIP/${checked.number}`;
  }
  return `PJSIP/${checked.number}@${o.trunk}`;
}

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
