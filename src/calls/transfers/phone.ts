// Transfers an agent starts with the desk phone's transfer key (SIP REFER), read from the
// ARI events Asterisk sends for them. Pure: which fact an event states, whom the phone
// asked for, and what the phone is told of the outcome.
//
// Core handling (the default): Asterisk answers the REFER itself and swaps a channel into
// our bridge in the phone's place; its StasisStart carries `replace_channel` (the phone's
// leg). A blind REFER swaps in `Local/<exten>@<phone context>;1`, still ringing; an
// attended one (REFER with Replaces) the party the phone consulted, already talking.
// `ari-only` (PJSIP_TRANSFER_HANDLING): Asterisk only reports the REFER (ChannelTransfer)
// and the phone stays in the call until we report the outcome (transfer_progress).
import type { AriEvent, ChannelTransfer, StasisStart, TransferProgress } from '../../ari/types.js';
import type { TransferTarget } from './repository.js';
import type { TransferState } from './state.js';

export type PhoneTransferFact =
  /** Core handling: `channelId` took the phone's (`transferer`) place in the bridge. */
  | { kind: 'swapped'; transferer: string; transfererName?: string; channelId: string; exten: string; answered: boolean }
  /** ari-only: the phone asks us to transfer its call to `destination`. */
  | { kind: 'referred'; transferer: string; transfererName?: string; destination: string; attended: boolean; replaces?: Replaces };

/**
 * ari-only, REFER with Replaces: the phone's consultation leg and the party it talks to
 * (the PBX resolved them from the dialog the phone named). That party is who the phone
 * hands its customer to.
 */
export interface Replaces {
  consultation: string;
  targetId: string;
  /** `PJSIP/1002-00000007`: the endpoint it belongs to, and the channel AMI moves. */
  targetName: string;
}

/** The phone-transfer fact an ARI event states, if any. Echoes of our own progress reports state none. */
export function readPhoneTransfer(event: AriEvent): PhoneTransferFact | undefined {
  if (event.type === 'StasisStart') {
    const e = event as StasisStart;
    if (!e.replace_channel?.id) return undefined;
    return {
      kind: 'swapped',
      transferer: e.replace_channel.id,
      ...(e.replace_channel.name ? { transfererName: e.replace_channel.name } : {}),
      channelId: e.channel.id,
      exten: e.channel.dialplan?.exten ?? '',
      answered: e.channel.state === 'Up',
    };
  }
  if (event.type === 'ChannelTransfer') {
    const e = event as ChannelTransfer;
    if (e.state !== undefined || !e.referred_by?.source_channel?.id) return undefined;
    const consultation = e.refer_to?.destination_channel;
    const target = e.refer_to?.connected_channel;
    return {
      kind: 'referred',
      transferer: e.referred_by.source_channel.id,
      ...(e.referred_by.source_channel.name ? { transfererName: e.referred_by.source_channel.name } : {}),
      destination: e.refer_to?.requested_destination?.destination ?? '',
      attended: consultation !== undefined || e.refer_to?.requested_destination?.protocol_id !== undefined,
      ...(consultation?.id && target?.id && target.name ? { replaces: { consultation: consultation.id, targetId: target.id, targetName: target.name } } : {}),
    };
  }
  return undefined;
}

export type PhoneTarget = { ok: true; to: TransferTarget } | { ok: false; reason: string };

/**
 * Whom the phone asked for. A phone sends what the agent keyed in: digits (an
 * extension, or a number the dial policy checks later), possibly with a leading +.
 * `agentId` is the ACD agent whose phone that extension is, if any.
 */
export function phoneTarget(destination: string, agentId: string | undefined): PhoneTarget {
  if (!/^\+?[0-9]{1,20}$/.test(destination)) return { ok: false, reason: `the phone asked for '${destination.slice(0, 40)}', which is not a number` };
  if (agentId !== undefined) return { ok: true, to: { agentId } };
  return { ok: true, to: /^[0-9]{2,6}$/.test(destination) ? { extension: destination } : { number: destination } };
}

/** What a phone that left its transfer to us (ari-only) is told once the transfer has moved on. */
export function progressFor(t: { state: TransferState; reason: string | null }): TransferProgress | undefined {
  switch (t.state) {
    case 'ringback':
      return 'channel_progress';
    case 'completed':
      return 'channel_answered';
    case 'cancelled':
    case 'abandoned':
      return /busy|refused|rejected/.test(t.reason ?? '') ? 'channel_declined' : 'channel_unavailable';
    default:
      return undefined;
  }
}

/** The endpoint a channel belongs to: `PJSIP/1002-00000007` is `PJSIP/1002`. */
export function endpointOfChannel(name: string): string {
  return name.replace(/-[0-9a-f]+$/, '');
}

/** Whom a consulted party is: the ACD agent on that phone, else its extension (or number). */
export function consultedTarget(targetName: string, agentId: string | undefined): TransferTarget {
  if (agentId !== undefined) return { agentId };
  const resource = endpointOfChannel(targetName).split('/')[1] ?? '';
  const user = resource.split('@')[0] ?? '';
  if (/^[0-9]{2,6}$/.test(user)) return { extension: user };
  if (/^\+?[0-9]{1,20}$/.test(user)) return { number: user };
  return { extension: 'unknown' };
}
