// Which lane a PBX node's ARI event runs in: events of one channel are handled in order,
// different channels side by side (node.ts runs the lanes).
import type { AriEvent } from '../ari/types.js';

/**
 * Which lane an event runs in. A channel the PBX swaps into a bridge in another's place
 * (a phone's transfer: StasisStart with replace_channel) shares the replaced channel's
 * lane from then on, so the swap is handled before the phone's hang-up, and the new
 * channel's own events after the swap.
 */
export class ChannelLanes {
  private readonly aliases = new Map<string, string>();

  of(event: AriEvent): string {
    const replaced = event.type === 'StasisStart' ? (event as { replace_channel?: { id?: string } }).replace_channel?.id : undefined;
    const key = channelKey(event);
    if (replaced) this.aliases.set(key, this.aliases.get(replaced) ?? replaced);
    const lane = this.aliases.get(key) ?? key;
    if (event.type === 'ChannelDestroyed') this.aliases.delete(key);
    return lane;
  }
}

/** The channel an ARI event is about; playbacks name theirs in `target_uri`. */
function channelKey(event: AriEvent): string {
  const e = event as { channel?: { id?: string }; playback?: { target_uri?: string }; referred_by?: { source_channel?: { id?: string } } };
  if (e.channel?.id) return e.channel.id;
  // ChannelTransfer (a phone's REFER under ari-only) names the phone only here.
  if (e.referred_by?.source_channel?.id) return e.referred_by.source_channel.id;
  const target = e.playback?.target_uri;
  if (target?.startsWith('channel:')) return target.slice('channel:'.length);
  return 'pbx';
}
