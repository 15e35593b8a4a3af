// Agents' desk phones as the PBX reports them. An app subscribed to `endpoint:<tech>` hears
// EndpointStateChange when a phone registers or stops answering its qualify pings: offline,
// a ready agent is paused (reason unreachable) before any caller is offered to a dead
// phone; online again, an agent the system paused that way is ready again.
import type { AriEvent, Channel, Endpoint, EndpointStateChange } from '../ari/types.js';

export interface PhoneState {
  /** `PJSIP/1001`, as agents' endpoints are written. */
  endpoint: string;
  online: boolean;
}

/** The phone state an event reports; `unknown` (no contact configured yet) reports none. */
export function readPhoneState(event: AriEvent): PhoneState | undefined {
  if (event.type !== 'EndpointStateChange') return undefined;
  return phoneStateOf((event as EndpointStateChange).endpoint);
}

/** An endpoint's state as a phone's, from an event or the PBX's endpoint list. */
export function phoneStateOf(endpoint: Endpoint | undefined): PhoneState | undefined {
  if (!endpoint?.technology || !endpoint.resource) return undefined;
  if (endpoint.state !== 'online' && endpoint.state !== 'offline') return undefined;
  return { endpoint: `${endpoint.technology}/${endpoint.resource}`, online: endpoint.state === 'online' };
}

/** The event sources to subscribe to for these agents' endpoints: one per technology. */
export function phoneEventSources(endpoints: Iterable<string>): string[] {
  const techs = new Set<string>();
  for (const e of endpoints) {
    const tech = e.split('/')[0];
    if (tech && tech !== 'Local') techs.add(tech);
  }
  return [...techs].sort().map((t) => `endpoint:${t}`);
}

/**
 * What an AMI event says of a call a phone placed through the dialplan (an attended
 * transfer's consultation, an internal call): `Dial()` from a channel to another phone.
 * Originations (ours: ACD offers, transfers, click-to-dial) have no calling channel and
 * are not phone calls; nor is a Local channel's dial (the PBX carrying out a blind REFER:
 * call control books that target from the swap).
 */
export type PhoneDial =
  | { kind: 'ringing'; endpoint: string; channelId: string; linkedid: string }
  | { kind: 'answered' | 'failed' | 'ended'; channelId: string };

export function readPhoneDial(e: { event?: string | undefined; get(key: string): string | undefined }): PhoneDial | undefined {
  const dest = e.get('DestUniqueid');
  switch (e.event) {
    case 'DialBegin': {
      const name = e.get('DestChannel');
      const caller = e.get('Channel');
      if (!caller || caller.startsWith('Local/') || !dest || !name) return undefined;
      return { kind: 'ringing', endpoint: name.replace(/-[0-9a-f]+$/, ''), channelId: dest, linkedid: e.get('DestLinkedid') ?? dest };
    }
    case 'DialEnd':
      if (!dest) return undefined;
      return { kind: e.get('DialStatus') === 'ANSWER' ? 'answered' : 'failed', channelId: dest };
    case 'Hangup': {
      const id = e.get('Uniqueid');
      return id ? { kind: 'ended', channelId: id } : undefined;
    }
  }
  return undefined;
}

/** A phone call booking (`phone:<linkedid>`) held in Redis, from before a reconnect or take-over. */
export interface PhoneBooking {
  agentId: string;
  endpoint: string;
  callId: string;
  offerId: string | null;
  answered: boolean;
}

/**
 * Which phone bookings still have their call (the agent's phone has a channel the PBX
 * lists outside our app: followed again, by that channel) and which lost it (released).
 */
export function phoneBookingsAt(bookings: PhoneBooking[], channels: Channel[], ours: (channelId: string) => boolean): { kept: Array<PhoneBooking & { channelId: string }>; gone: PhoneBooking[] } {
  const kept: Array<PhoneBooking & { channelId: string }> = [];
  const gone: PhoneBooking[] = [];
  for (const b of bookings) {
    const channel = channels.find((c) => c.name.startsWith(`${b.endpoint}-`) && !ours(c.id));
    if (channel) kept.push({ ...b, channelId: channel.id });
    else gone.push(b);
  }
  return { kept, gone };
}
