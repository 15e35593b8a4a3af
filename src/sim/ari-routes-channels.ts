// The simulator's ARI channel resources: originate, answer, hang up, hold, dial, media,
// variables, and the transfer progress a phone hears under ari-only REFER handling.
import { ariChannel } from './ari-format.js';
import { intParam, reply, type AriReply, type AriRequest } from './ari-http.js';
import { TRANSFER_PROGRESS_STATES } from './world-refer.js';
import type { World } from './world.js';
import { play, record } from './ari-media-ops.js';
import { get, noContent, on } from './ari-router.js';

// ---------------------------------------------------------------------------
// channels

on('GET', 'channels', (_req, _p, { world }) => reply.ok(world.channels().map(ariChannel)));

function originate(req: AriRequest, world: World, channelId?: string): AriReply {
  const ch = world.originate({
    endpoint: get(req, 'endpoint'),
    extension: get(req, 'extension'),
    context: get(req, 'context'),
    priority: intParam(req.params, 'priority'),
    label: get(req, 'label'),
    app: get(req, 'app'),
    appArgs: req.params.get('appArgs'),
    callerId: get(req, 'callerId'),
    timeout: intParam(req.params, 'timeout'),
    variables: req.variables,
    channelId: channelId ?? get(req, 'channelId'),
    otherChannelId: get(req, 'otherChannelId'),
    originator: get(req, 'originator'),
  });
  return reply.ok(ariChannel(ch));
}

on('POST', 'channels', (req, _p, { world }) => originate(req, world));
on('POST', 'channels/create', (req, _p, { world }) =>
  reply.ok(
    ariChannel(
      world.create({
        endpoint: get(req, 'endpoint'),
        app: get(req, 'app'),
        appArgs: req.params.get('appArgs'),
        channelId: get(req, 'channelId'),
        otherChannelId: get(req, 'otherChannelId'),
        variables: req.variables,
      }),
    ),
  ),
);
on('GET', 'channels/:id', (_req, p, { world }) => {
  const c = world.channel(p['id'] ?? '');
  if (!c) return reply.error(404, 'Not Found', 'Channel not found');
  return reply.ok(ariChannel(c));
});
on('POST', 'channels/:id', (req, p, { world }) => originate(req, world, p['id']));
on('DELETE', 'channels/:id', (req, p, { world }) => {
  world.hangup(p['id'] ?? '', { reason: get(req, 'reason'), reasonCode: intParam(req.params, 'reason_code') });
  return noContent();
});

const channelAction = (method: string, path: string, act: (world: World, id: string, req: AriRequest) => void): void =>
  on(method, `channels/:id/${path}`, (req, p, { world }) => {
    act(world, p['id'] ?? '', req);
    return noContent();
  });

channelAction('POST', 'answer', (w, id) => w.answer(id));
channelAction('POST', 'ring', (w, id) => w.ring(id));
channelAction('DELETE', 'ring', (w, id) => w.ringStop(id));
channelAction('POST', 'progress', (w, id) => w.ring(id));
channelAction('POST', 'hold', (w, id) => w.hold(id));
channelAction('DELETE', 'hold', (w, id) => w.unhold(id));
channelAction('POST', 'mute', (w, id, req) => w.mute(id, req.params.get('direction') ?? 'both'));
channelAction('DELETE', 'mute', (w, id, req) => w.unmute(id, req.params.get('direction') ?? 'both'));
channelAction('POST', 'moh', (w, id, req) => w.startMoh(id, get(req, 'mohClass') ?? 'default'));
channelAction('DELETE', 'moh', (w, id) => w.stopMoh(id));
channelAction('POST', 'silence', (w, id) => w.ring(id));
channelAction('DELETE', 'silence', (w, id) => w.ring(id));
channelAction('POST', 'continue', (w, id, req) =>
  w.continueInDialplan(id, {
    context: get(req, 'context'),
    extension: get(req, 'extension'),
    priority: intParam(req.params, 'priority'),
    label: get(req, 'label'),
  }),
);
channelAction('POST', 'dtmf', (w, id, req) =>
  w.sendDtmf(id, req.params.get('dtmf') ?? '', {
    before: intParam(req.params, 'before'),
    between: intParam(req.params, 'between'),
    duration: intParam(req.params, 'duration'),
    after: intParam(req.params, 'after'),
  }),
);
channelAction('POST', 'move', (w, id, req) => w.moveToApp(id, req.params.get('app') ?? '', req.params.get('appArgs')));
channelAction('POST', 'dial', (w, id, req) => w.dial(id, { caller: get(req, 'caller'), timeout: intParam(req.params, 'timeout') }));

on('POST', 'channels/:id/redirect', (req, p, { world }) => {
  const endpoint = get(req, 'endpoint');
  if (!world.channel(p['id'] ?? '')) return reply.error(404, 'Not Found', 'Channel not found');
  if (!endpoint) return reply.error(400, 'Not Found', "Required parameter 'endpoint' not provided.");
  world.redirectToEndpoint(p['id'] ?? '', endpoint);
  return noContent();
});

// The phone behind a channel whose REFER was left to the app (ari-only) hears how it goes.
// The channel is looked up first: a gone one is 404 even with a bad state (captured).
on('POST', 'channels/:id/transfer_progress', (req, p, { world }) => {
  if (!world.channel(p['id'] ?? '')) return reply.error(404, 'Not Found', 'Channel not found');
  const state = get(req, 'states') ?? '';
  if (!TRANSFER_PROGRESS_STATES.includes(state)) return reply.error(400, 'Bad Request', 'Invalid states value');
  world.transferProgress(p['id'] ?? '', state);
  return noContent();
});

on('POST', 'channels/:id/play', (req, p, { world }) => play(req, world, 'channel', p['id'] ?? ''));
on('POST', 'channels/:id/play/:playbackId', (req, p, { world }) => play(req, world, 'channel', p['id'] ?? '', p['playbackId']));

on('POST', 'channels/:id/record', (req, p, { world }) => record(req, world, 'channel', p['id'] ?? ''));

on('GET', 'channels/:id/variable', (req, p, { world }) => {
  const name = get(req, 'variable');
  const id = p['id'] ?? '';
  if (!world.channel(id)) return reply.error(404, 'Not Found', 'Channel not found');
  if (!name) return reply.error(400, 'Bad Request', 'Variable name is required');
  const value = world.getVar(id, name);
  if (value === undefined) return reply.error(404, 'Variable Not Found', 'Provided variable was not found');
  return reply.ok({ value });
});

on('POST', 'channels/:id/variable', (req, p, { world }) => {
  const name = get(req, 'variable');
  const id = p['id'] ?? '';
  if (!world.channel(id)) return reply.error(404, 'Not Found', 'Channel not found');
  if (!name) return reply.error(400, 'Bad Request', 'Variable name is required');
  world.setVar(id, name, req.params.get('value') ?? '');
  return noContent();
});
