// How Asterisk 22 delivers an endpoint subscription (`POST /applications/{app}/subscription?
// eventSource=endpoint:<tech>[/<resource>]`), as a running 22.10.1 showed it: the app's
// forward is the endpoint's topic (the technology's, for a whole technology), which
// carries the channel topics of the endpoint's channels. So an app so subscribed hears
// every channel event of every channel of that endpoint or technology, whoever owns the
// channel, once more per matching subscription, its own channels included (they arrive
// twice: once through the channel, once through the endpoint); and an
// EndpointStateChange each time a channel joins or leaves the endpoint, the state unchanged.
import type { ChannelSnapshot, WorldEvent } from './world-types.js';

/** Channel drivers whose channels belong to an endpoint; Local, Announcer, Recorder... have none. */
const ENDPOINT_TECHS = new Set(['PJSIP', 'IAX2', 'SIP']);

/** The channel whose topic carries this event, for the events published there. */
export function channelOnTopic(e: WorldEvent): ChannelSnapshot | undefined {
  switch (e.type) {
    case 'ChannelCreated':
    case 'ChannelStateChanged':
    case 'ChannelVarSet':
    case 'ChannelDialplan':
    case 'ChannelCallerId':
    case 'ChannelConnectedLine':
    case 'DtmfEnd':
    case 'HangupRequested':
    case 'ChannelHungUp':
    case 'ChannelHold':
    case 'ChannelUnhold':
      return e.channel;
    case 'DialBegin':
    case 'DialState':
    case 'DialEnd':
      // Asterisk publishes a dial on the caller's topic, or the peer's when nobody dials.
      return e.caller ?? e.peer;
    default:
      return undefined;
  }
}

/** `PJSIP/1001-0000000b` → `1001`; undefined for a channel of no endpoint. */
export function endpointResource(channel: Pick<ChannelSnapshot, 'name' | 'tech'>): string | undefined {
  if (!ENDPOINT_TECHS.has(channel.tech) || !channel.name.startsWith(`${channel.tech}/`)) return undefined;
  return channel.name.slice(channel.tech.length + 1).replace(/-[0-9a-f]+$/i, '');
}

/** The apps to deliver to once more, one entry per subscription (`PJSIP`, `PJSIP/1001`) that matches. */
export function endpointSubscribers(subs: ReadonlyMap<string, ReadonlySet<string>>, tech: string, resource: string): string[] {
  const out: string[] = [];
  for (const [app, sources] of subs) {
    if (sources.has(tech)) out.push(app);
    if (sources.has(`${tech}/${resource}`)) out.push(app);
  }
  return out;
}
