// Where a transfer rings: an ACD agent (reserved first), the agent a queue offers for a
// consultation, or a number through the one dial policy. What the transfer records as its
// target comes back with the endpoint (a queue's consultation names the agent too).
import { ProblemError } from '../../api/problem.js';
import type { AgentDesk } from '../agent-desk.js';
import { checkDestination, dialRefused, type DialPolicy } from '../dial-policy.js';
import type { TransferTarget } from './repository.js';
import type { TransferMode } from './state.js';

export interface StartTransfer {
  to: TransferTarget;
  mode: TransferMode;
  timeoutSeconds?: number;
  policy: DialPolicy;
}

/** The endpoint to originate and the target to record; 422/409 when the target cannot be rung. */
export async function targetEndpoint(o: { desk: AgentDesk | undefined; trunk: string }, callId: string, req: StartTransfer, initiatorAgent: string | null): Promise<{ endpoint: string; to: TransferTarget }> {
  const { to } = req;
  const given = [to.agentId, to.extension, to.number, to.queueId].filter((x) => x !== undefined).length;
  if (given !== 1) throw new ProblemError(422, 'name exactly one target: agentId, extension, number or queueId');
  if (to.agentId !== undefined || to.queueId !== undefined) {
    const desk = o.desk;
    if (!desk) throw new ProblemError(422, 'transfers to an agent or a queue need the ACD, which this service does not run');
    const offer = to.queueId !== undefined ? await desk.reserveFromQueue(to.queueId, callId, initiatorAgent) : await desk.reserveDirect(to.agentId!, callId);
    if (!offer.ok) throw new ProblemError(offer.status === 404 ? 422 : 409, offer.reason, offer.state ? { agentState: offer.state } : {});
    return { endpoint: offer.endpoint, to: to.queueId !== undefined ? { queueId: to.queueId, agentId: offer.agentId } : to };
  }
  const raw = (to.extension ?? to.number) as string;
  const checked = checkDestination(raw, req.policy);
  if (!checked.ok) throw dialRefused(checked);
  if (to.extension !== undefined) {
    if (!/^[0-9]{2,6}$/.test(checked.number)) throw new ProblemError(422, `'${raw}' is not an extension (2-6 digits)`);
    return { endpoint: `PJSIP/${checked.number}`, to };
  }
  return { endpoint: `PJSIP/${checked.number}@${o.trunk}`, to };
}
