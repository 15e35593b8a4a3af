// Adapts the ARI client to what the call handlers need, so the handlers stay free of
// HTTP details and can be fed by any PBX interface that offers the same operations.
import type { AriClient } from '../ari/client.js';
import { AriHttpError } from '../ari/errors.js';
import type { CallChannelPort } from '../calls/stasis.js';

export function ariCallPort(ari: AriClient): CallChannelPort {
  return {
    answer: (channelId) => ari.channels.answer(channelId),
    play: async (channelId, media, playbackId) => {
      await ari.channels.play(channelId, { media: Array.isArray(media) ? media : [media], playbackId });
    },
    stopPlayback: async (playbackId) => {
      await ari.playbacks.stop(playbackId);
    },
    hangup: async (channelId, reason) => {
      await ari.channels.hangup(channelId, { reason });
    },
    getVariable: (channelId, name) => ari.channels.getVariable(channelId, name),
    playbackActive: async (playbackId) => {
      try {
        await ari.playbacks.get(playbackId);
        return true;
      } catch (err) {
        if (err instanceof AriHttpError && err.status === 404) return false;
        throw err;
      }
    },
  };
}

/** Whether the PBX has a stored recording; throws when it cannot be asked. */
export async function storedRecordingExists(ari: AriClient, name: string): Promise<boolean> {
  try {
    await ari.rest.recordings.stored.get(name);
    return true;
  } catch (err) {
    if (err instanceof AriHttpError && err.status === 404) return false;
    throw err;
  }
}
