// Playing and recording on a channel or a bridge: one world command each, answered as Asterisk does.
import { ariLiveRecording, ariPlayback } from './ari-format.js';
import { boolParam, intParam, reply, type AriReply, type AriRequest } from './ari-http.js';
import { get } from './ari-router.js';
import type { World } from './world.js';

export function play(req: AriRequest, world: World, kind: 'channel' | 'bridge', id: string, playbackId?: string): AriReply {
  const media = req.params.get('media');
  const pb = world.play({ kind, id }, media ? media.split(',') : [], { lang: get(req, 'lang'), playbackId: playbackId ?? get(req, 'playbackId') });
  return reply.created(ariPlayback(pb), `/ari/playbacks/${pb.id}`);
}

export function record(req: AriRequest, world: World, kind: 'channel' | 'bridge', id: string): AriReply {
  const rec = world.record(
    { kind, id },
    {
      name: get(req, 'name'),
      format: get(req, 'format'),
      maxDurationSeconds: intParam(req.params, 'maxDurationSeconds'),
      maxSilenceSeconds: intParam(req.params, 'maxSilenceSeconds'),
      ifExists: get(req, 'ifExists'),
      beep: boolParam(req.params, 'beep'),
      terminateOn: get(req, 'terminateOn'),
    },
  );
  return reply.created(ariLiveRecording(rec), `/ari/recordings/live/${rec.name}`);
}
