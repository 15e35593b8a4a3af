// Everything the API asks of a PBX node's call control, as named commands with JSON
// arguments and JSON results: the same function runs on this instance when it drives the
// node, or on the owner when the command bus forwards it there, so a client gets the same
// answer from every instance behind the load balancer.
import type { DialPolicy } from '../dial-policy.js';
import { recordingJson } from '../recordings/json.js';
import type { ChannelTransferMode } from '../transfers/dialplan.js';
import type { TransferTarget } from '../transfers/repository.js';
import { publicTransfer } from '../transfers/public.js';
import type { StartTransfer } from '../transfers/service.js';
import { callJson } from './call-json.js';
import type { DialInput } from './placing.js';
import type { CallControl } from './service.js';

type CallArg = { callId: string };

export const CONTROL_COMMANDS = {
  dial: async (c: CallControl, a: DialInput) => {
    const { call, replay } = await c.dial(a);
    return { replay, call: callJson(call) };
  },
  hold: async (c: CallControl, a: CallArg) => void (await c.hold(a.callId)),
  unhold: async (c: CallControl, a: CallArg) => void (await c.unhold(a.callId)),
  mute: async (c: CallControl, a: CallArg & { on: boolean }) => c.mute(a.callId, a.on),
  hangup: async (c: CallControl, a: CallArg) => c.hangup(a.callId),
  dtmf: async (c: CallControl, a: CallArg & { digits: string }) => c.dtmf(a.callId, a.digits),
  startTransfer: async (c: CallControl, a: CallArg & { req: StartTransfer }) => publicTransfer(await c.startTransfer(a.callId, a.req)),
  transferCommand: async (c: CallControl, a: { transferId: string; command: 'complete' | 'cancel' | 'conference' }) =>
    publicTransfer(await c.transferCommand(a.transferId, a.command)),
  transferChannel: async (c: CallControl, a: { channel: string; to: TransferTarget; policy: DialPolicy; mode: ChannelTransferMode }) =>
    c.transferChannel(a.channel, a.to, a.policy, a.mode),
  channelTransferCommand: async (c: CallControl, a: { channel: string; channelId: string; command: 'cancel' | 'complete' }) =>
    c.channelTransferCommand(a.channel, a.channelId, a.command),
  startRecording: async (c: CallControl, a: CallArg) => recordingJson(await c.recordings.start(a.callId)),
  recordingControl: async (c: CallControl, a: { recordingId: string; op: 'stop' | 'pause' | 'resume' }) => recordingJson(await c.recordings.control(a.recordingId, a.op)),
  /** The audio travels as base64: results are JSON on every path. */
  recordingAudio: async (c: CallControl, a: { recordingId: string }) => (await c.recordings.audio(a.recordingId)).bytes.toString('base64'),
};

export type ControlCommand = keyof typeof CONTROL_COMMANDS;
export type CommandArgs<K extends ControlCommand> = Parameters<(typeof CONTROL_COMMANDS)[K]>[1];
export type CommandResult<K extends ControlCommand> = Awaited<ReturnType<(typeof CONTROL_COMMANDS)[K]>>;

export function isControlCommand(name: string): name is ControlCommand {
  return Object.prototype.hasOwnProperty.call(CONTROL_COMMANDS, name);
}

export function runControlCommand<K extends ControlCommand>(c: CallControl, name: K, args: CommandArgs<K>): Promise<CommandResult<K>> {
  const run = CONTROL_COMMANDS[name] as (c: CallControl, a: CommandArgs<K>) => Promise<CommandResult<K>>;
  return run(c, args);
}
