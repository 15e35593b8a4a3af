// Transfers of channels that a site's own dialplan controls (never in our Stasis app):
// the PBX does the work through AMI BlindTransfer, or Atxfer / CancelAtxfer and a hang-up
// for attended ones, into the shipped dialplan's contexts (cti-agents rings an extension,
// cti-outbound dials out through the trunk). Only the channel name, a checked number and
// a context from our configuration reach the PBX.
import { AmiActionError, type AmiClient } from '../../ami/index.js';
import { ProblemError } from '../../api/problem.js';
import { checkDestination, dialRefused, type DialPolicy } from '../dial-policy.js';
import type { TransferTarget } from './repository.js';

/** A channel name as Asterisk prints it; nothing that could carry dialplan syntax. */
const CHANNEL_NAME = /^(PJSIP|SIP|IAX2|DAHDI|Local)\/[A-Za-z0-9@._+-]{1,80}(;[12])?$/;

export interface DialplanTransferResult {
  channel: string;
  to: TransferTarget;
  context: string;
  exten: string;
}

export type ChannelTransferMode = 'blind' | 'attended';

export async function transferChannel(
  ami: AmiClient,
  req: { channel: string; to: TransferTarget; policy: DialPolicy; mode: ChannelTransferMode },
): Promise<DialplanTransferResult> {
  checkChannelName(req.channel);
  const { to } = req;
  if (to.agentId !== undefined) throw new ProblemError(422, 'channels outside cti-bridge are transferred to an extension or a number');
  const raw = to.extension ?? to.number;
  if (raw === undefined) throw new ProblemError(422, 'name the target: extension or number');
  const checked = checkDestination(raw, req.policy);
  if (!checked.ok) throw dialRefused(checked);
  const context = to.extension !== undefined ? 'cti-agents' : 'cti-outbound';
  const action = req.mode === 'blind' ? 'BlindTransfer' : 'Atxfer';
  await run(ami, req.channel, { Action: action, Channel: req.channel, Context: context, Exten: checked.number });
  return { channel: req.channel, to, context, exten: checked.number };
}

/** Ends the consultation of an attended transfer: the target is hung up, the transferee comes back. */
export async function cancelChannelTransfer(ami: AmiClient, channel: string): Promise<void> {
  checkChannelName(channel);
  await run(ami, channel, { Action: 'CancelAtxfer', Channel: channel });
}

/** Completes an attended transfer the way a desk phone does: the transferring party hangs up. */
export async function completeChannelTransfer(ami: AmiClient, channel: string): Promise<void> {
  checkChannelName(channel);
  await run(ami, channel, { Action: 'Hangup', Channel: channel, Cause: '16' });
}

/** The context of the shipped dialplan that puts a channel into our app (`Stasis(app,phone-transfer)`). */
export const PHONE_TRANSFER_CONTEXT = 'cti-phone-transfer';

/**
 * Brings a channel talking outside our app (the party a desk phone consulted) into it:
 * AMI Redirect into the shipped context, whose StasisStart carries `phone-transfer`.
 * Its other side (the phone's consultation leg) is hung up by its own dialplan.
 */
export async function bringIntoApp(ami: AmiClient, channel: string): Promise<void> {
  checkChannelName(channel);
  await run(ami, channel, { Action: 'Redirect', Channel: channel, Context: PHONE_TRANSFER_CONTEXT, Exten: 's', Priority: '1' });
}

/** A channel name as Asterisk prints it, else 422. */
export function checkChannelName(channel: string): void {
  if (!CHANNEL_NAME.test(channel)) throw new ProblemError(422, `'${channel}' is not a channel name`);
}

async function run(ami: AmiClient, channel: string, fields: Record<string, string>): Promise<void> {
  try {
    await ami.action(fields);
  } catch (err) {
    if (err instanceof AmiActionError) {
      if (err.amiMessage === 'Channel specified does not exist' || err.amiMessage === 'No such channel') {
        throw new ProblemError(404, `channel ${channel} does not exist`);
      }
      if (err.amiMessage === 'Transfer invalid') throw new ProblemError(409, `channel ${channel} is not talking with anyone to transfer`);
      throw new ProblemError(409, `the PBX refused: ${err.amiMessage}`);
    }
    throw err;
  }
}
