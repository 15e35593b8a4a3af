// Transfers of channels that a site's own dialplan controls (never in our Stasis app):
// the PBX does the work through AMI BlindTransfer, into the shipped dialplan's contexts
// (cti-agents rings an extension, cti-outbound dials out through the trunk). Only the
// channel name, a checked number and a context from our configuration reach the PBX.
import { AmiActionError, type AmiClient } from '../../ami/index.js';
import { ProblemError } from '../../api/problem.js';
import { checkDestination, type DialPolicy } from '../dial-policy.js';
import type { TransferTarget } from './repository.js';

/** A channel name as Asterisk prints it; nothing that could carry dialplan syntax. */
const CHANNEL_NAME = /^(PJSIP|SIP|IAX2|DAHDI|Local)\/[A-Za-z0-9@._+-]{1,80}(;[12])?$/;

export interface DialplanTransferResult {
  channel: string;
  to: TransferTarget;
  context: string;
  exten: string;
}

export async function blindTransferChannel(
  ami: AmiClient,
  req: { channel: string; to: TransferTarget; policy: DialPolicy },
): Promise<DialplanTransferResult> {
  if (!CHANNEL_NAME.test(req.channel)) throw new ProblemError(422, `'${req.channel}' is not a channel name`);
  const { to } = req;
  if (to.agentId !== undefined) throw new ProblemError(422, 'channels outside cti-bridge are transferred to an extension or a number');
  const raw = to.extension ?? to.number;
  if (raw === undefined) throw new ProblemError(422, 'name the target: extension or number');
  const checked = checkDestination(raw, req.policy);
  if (!checked.ok) throw new ProblemError(422, checked.reason);
  const context = to.extension !== undefined ? 'cti-agents' : 'cti-outbound';
  try {
    await ami.action({ Action: 'BlindTransfer', Channel: req.channel, Context: context, Exten: checked.number });
  } catch (err) {
    if (err instanceof AmiActionError) {
      if (err.amiMessage === 'Channel specified does not exist') throw new ProblemError(404, `channel ${req.channel} does not exist`);
      if (err.amiMessage === 'Transfer invalid') throw new ProblemError(409, `channel ${req.channel} is not talking with anyone to transfer`);
      throw new ProblemError(409, `the PBX refused the transfer: ${err.amiMessage}`);
    }
    throw err;
  }
  return { channel: req.channel, to, context, exten: checked.number };
}
