// The ARI resources of the simulator: each route turns an HTTP request into one world
// command and the outcome into Asterisk's answer (codes and texts from the captures).
import { ariBridge, ariChannel, ariLiveRecording, ariPlayback, ariTimestamp } from './ari-format.js';
import { boolParam, fromWorldError, intParam, reply, type AriReply, type AriRequest } from './ari-http.js';
import { recordingWav } from './world-media.js';
import { TRANSFER_PROGRESS_STATES } from './world-refer.js';
import { WorldError, type World } from './world.js';

export interface RouteContext {
  world: World;
  /** Stasis apps with a connected socket. */
  apps: () => string[];
}

type Handler = (req: AriRequest, p: Record<string, string>, ctx: RouteContext) => AriReply;

interface Route {
  method: string;
  pattern: string[];
  handler: Handler;
}

const routes: Route[] = [];

function on(method: string, path: string, handler: Handler): void {
  routes.push({ method, pattern: path.split('/').filter(Boolean), handler });
}

function match(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const s = segments[i] as string;
    if (p.startsWith(':')) out[p.slice(1)] = s;
    else if (p !== s) return undefined;
  }
  return out;
}

/** Finds and runs the route; unknown paths are 404, known paths with another verb are 405. */
export function dispatch(req: AriRequest, ctx: RouteContext): AriReply {
  const allowed: string[] = [];
  for (const r of routes) {
    const p = match(r.pattern, req.segments);
    if (!p) continue;
    if (r.method === req.method) {
      try {
        return r.handler(req, p, ctx);
      } catch (err) {
        if (err instanceof WorldError) return fromWorldError(err);
        throw err;
      }
    }
    allowed.push(r.method);
  }
  if (allowed.length > 0) {
    if (req.method === 'OPTIONS') return { status: 204, reason: 'No Content', allow: ['OPTIONS', ...allowed].join(',') };
    return { ...reply.error(405, 'Method Not Allowed', 'Invalid method'), allow: ['OPTIONS', ...allowed].join(',') };
  }
  return reply.error(404, 'Not Found', 'Resource not found');
}


const get = (req: AriRequest, name: string): string | undefined => {
  const v = req.params.get(name);
  return v === undefined || v === '' ? undefined : v;
};

const noContent = reply.noContent;

// ---------------------------------------------------------------------------
// asterisk

on('GET', 'asterisk/info', (req, _p, { world }) => {
  const info: Record<string, unknown> = {
    build: { os: 'Linux', kernel: '6.1.0-sim', machine: 'x86_64', options: 'OPTIONAL_API', date: '2026-11-22 21:18:21 UTC', user: 'root' },
    system: { version: '22.10.1', entity_id: world.asteriskId },
    config: { name: '', default_language: 'en', setid: { user: '', group: '' } },
    status: { startup_time: ariTimestamp(world.startedAt), last_reload_time: ariTimestamp(world.startedAt) },
  };
  const only = get(req, 'only')?.split(',');
  return reply.ok(only ? Object.fromEntries(Object.entries(info).filter(([k]) => only.includes(k))) : info);
});

on('GET', 'asterisk/ping', (_req, _p, { world }) => reply.ok({ ping: 'pong', timestamp: ariTimestamp(new Date()), asterisk_id: world.asteriskId }));

on('GET', 'asterisk/variable', (req, _p, { world }) => {
  const name = get(req, 'variable');
  if (!name) return reply.error(400, 'Bad Request', 'Variable name is required');
  return reply.ok({ value: world.getGlobal(name) ?? '' });
});

on('POST', 'asterisk/variable', (req, _p, { world }) => {
  const name = get(req, 'variable');
  if (!name) return reply.error(400, 'Bad Request', 'Variable name is required');
  world.setGlobal(name, req.params.get('value') ?? '');
  return noContent();
});

// ---------------------------------------------------------------------------
// applications

function applicationJson(world: World, name: string): Record<string, unknown> {
  const subs = world.applicationSubscriptions(name);
  return {
    name,
    channel_ids: subs.channelIds,
    bridge_ids: subs.bridgeIds,
    endpoint_ids: subs.endpointIds,
    device_names: [],
    events_allowed: [],
    events_disallowed: [],
  };
}

on('GET', 'applications', (_req, _p, ctx) => reply.ok(ctx.apps().map((a) => applicationJson(ctx.world, a))));

on('GET', 'applications/:name', (_req, p, ctx) => {
  const name = p['name'] ?? '';
  if (!ctx.apps().includes(name)) return reply.error(404, 'Not Found', 'Application not found');
  return reply.ok(applicationJson(ctx.world, name));
});

on('POST', 'applications/:name/subscription', (req, p, ctx) => {
  const name = p['name'] ?? '';
  const sources = (req.params.get('eventSource') ?? '').split(',').filter(Boolean);
  if (sources.length === 0) return reply.error(400, 'Bad Request', 'Missing parameter eventSource');
  if (!ctx.apps().includes(name)) return reply.error(404, 'Not Found', 'Application not found');
  // Only endpoint sources are modelled: channels and bridges subscribe by entering Stasis.
  for (const source of sources) {
    if (!source.startsWith('endpoint:')) return reply.error(422, 'Unprocessable Entity', 'Event source does not exist');
    ctx.world.subscribeEndpoint(name, source.slice('endpoint:'.length));
  }
  return reply.ok(applicationJson(ctx.world, name));
});

// ---------------------------------------------------------------------------
// sounds and endpoints

on('GET', 'sounds', (_req, _p, { world }) => reply.ok(world.soundNames().map((id) => ({ id, formats: [{ language: 'en', format: 'slin' }] }))));

on('GET', 'sounds/:id', (_req, p, { world }) => {
  const id = p['id'] ?? '';
  if (!world.soundExists(id)) return reply.error(404, 'Not Found', 'Sound not found');
  return reply.ok({ id, formats: [{ language: 'en', format: 'slin' }] });
});

function endpointJson(e: { technology: string; resource: string; behaviour: { behaviour: string }; channelIds: string[] }): Record<string, unknown> {
  return { technology: e.technology, resource: e.resource, state: e.behaviour.behaviour === 'unreachable' ? 'offline' : 'online', channel_ids: e.channelIds };
}

on('GET', 'endpoints', (_req, _p, { world }) => reply.ok(world.endpoints().map(endpointJson)));

on('GET', 'endpoints/:tech', (_req, p, { world }) => {
  const list = world.endpoints().filter((e) => e.technology === p['tech']);
  if (list.length === 0) return reply.error(404, 'Not Found', 'No Endpoints found - invalid tech');
  return reply.ok(list.map(endpointJson));
});

on('GET', 'endpoints/:tech/:resource', (_req, p, { world }) => {
  const e = world.endpoints().find((x) => x.technology === p['tech'] && x.resource === p['resource']);
  if (!e) return reply.error(404, 'Not Found', 'Endpoint not found');
  return reply.ok(endpointJson(e));
});

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

function play(req: AriRequest, world: World, kind: 'channel' | 'bridge', id: string, playbackId?: string): AriReply {
  const media = req.params.get('media');
  const pb = world.play({ kind, id }, media ? media.split(',') : [], { lang: get(req, 'lang'), playbackId: playbackId ?? get(req, 'playbackId') });
  return reply.created(ariPlayback(pb), `/ari/playbacks/${pb.id}`);
}

on('POST', 'channels/:id/play', (req, p, { world }) => play(req, world, 'channel', p['id'] ?? ''));
on('POST', 'channels/:id/play/:playbackId', (req, p, { world }) => play(req, world, 'channel', p['id'] ?? '', p['playbackId']));

function record(req: AriRequest, world: World, kind: 'channel' | 'bridge', id: string): AriReply {
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

// ---------------------------------------------------------------------------
// bridges

on('GET', 'bridges', (_req, _p, { world }) => reply.ok(world.bridges().map(ariBridge)));
on('POST', 'bridges', (req, _p, { world }) =>
  reply.ok(ariBridge(world.createBridge({ type: get(req, 'type'), name: get(req, 'name'), bridgeId: get(req, 'bridgeId') }))),
);
on('POST', 'bridges/:id', (req, p, { world }) => {
  const existing = world.bridge(p['id'] ?? '');
  if (existing) return reply.ok(ariBridge(existing));
  return reply.ok(ariBridge(world.createBridge({ type: get(req, 'type'), name: get(req, 'name'), bridgeId: p['id'] })));
});
on('GET', 'bridges/:id', (_req, p, { world }) => {
  const b = world.bridge(p['id'] ?? '');
  if (!b) return reply.error(404, 'Not Found', 'Bridge not found');
  return reply.ok(ariBridge(b));
});
on('DELETE', 'bridges/:id', (_req, p, { world }) => {
  world.destroyBridge(p['id'] ?? '');
  return noContent();
});
on('POST', 'bridges/:id/addChannel', (req, p, { world }) => {
  const channel = get(req, 'channel');
  if (!world.bridge(p['id'] ?? '')) return reply.error(404, 'Not Found', 'Bridge not found');
  if (!channel) return reply.error(400, 'Bad Request', 'Missing parameter channel');
  world.addToBridge(p['id'] ?? '', channel.split(','), get(req, 'role'));
  return noContent();
});
on('POST', 'bridges/:id/removeChannel', (req, p, { world }) => {
  const channel = get(req, 'channel');
  if (!world.bridge(p['id'] ?? '')) return reply.error(404, 'Not Found', 'Bridge not found');
  if (!channel) return reply.error(400, 'Bad Request', 'Missing parameter channel');
  for (const id of channel.split(',')) world.removeFromBridge(p['id'] ?? '', id);
  return noContent();
});
on('POST', 'bridges/:id/moh', (req, p, { world }) => {
  if (!world.bridge(p['id'] ?? '')) return reply.error(404, 'Not Found', 'Bridge not found');
  world.startBridgeMoh(p['id'] ?? '', get(req, 'mohClass') ?? 'default');
  return noContent();
});
on('DELETE', 'bridges/:id/moh', (_req, p, { world }) => {
  if (!world.bridge(p['id'] ?? '')) return reply.error(404, 'Not Found', 'Bridge not found');
  world.stopBridgeMoh(p['id'] ?? '');
  return noContent();
});
on('POST', 'bridges/:id/play', (req, p, { world }) => {
  if (!world.bridge(p['id'] ?? '')) return reply.error(404, 'Not Found', 'Bridge not found');
  return play(req, world, 'bridge', p['id'] ?? '');
});
on('POST', 'bridges/:id/play/:playbackId', (req, p, { world }) => {
  if (!world.bridge(p['id'] ?? '')) return reply.error(404, 'Not Found', 'Bridge not found');
  return play(req, world, 'bridge', p['id'] ?? '', p['playbackId']);
});
on('POST', 'bridges/:id/record', (req, p, { world }) => {
  if (!world.bridge(p['id'] ?? '')) return reply.error(404, 'Not Found', 'Bridge not found');
  return record(req, world, 'bridge', p['id'] ?? '');
});

// ---------------------------------------------------------------------------
// playbacks

on('GET', 'playbacks/:id', (_req, p, { world }) => {
  const pb = world.playback(p['id'] ?? '');
  if (!pb) return reply.error(404, 'Not Found', 'Playback not found');
  return reply.ok(ariPlayback(pb));
});
on('DELETE', 'playbacks/:id', (_req, p, { world }) => {
  world.stopPlayback(p['id'] ?? '');
  return noContent();
});
on('POST', 'playbacks/:id/control', (req, p, { world }) => {
  const op = get(req, 'operation');
  if (!op) return reply.error(400, 'Bad Request', 'Missing operation');
  world.controlPlayback(p['id'] ?? '', op);
  return noContent();
});

// ---------------------------------------------------------------------------
// recordings

on('GET', 'recordings/stored', (_req, _p, { world }) => reply.ok(world.storedRecordings().map((r) => ({ name: r.name, format: r.format }))));
on('GET', 'recordings/stored/:name', (_req, p, { world }) => {
  const r = world.storedRecording(p['name'] ?? '');
  if (!r) return reply.error(404, 'Not Found', 'Recording not found');
  return reply.ok({ name: r.name, format: r.format });
});
on('DELETE', 'recordings/stored/:name', (_req, p, { world }) => {
  world.deleteStoredRecording(p['name'] ?? '');
  return noContent();
});
on('GET', 'recordings/stored/:name/file', (_req, p, { world }) => {
  const r = world.storedRecording(p['name'] ?? '');
  if (!r) return reply.error(404, 'Not Found', 'Recording not found');
  return { status: 200, reason: 'OK', raw: { contentType: `audio/${r.format === 'wav' ? 'wav' : r.format}`, data: recordingWav(r.name, r.durationMs) } };
});
on('POST', 'recordings/stored/:name/copy', (req, p, { world }) => {
  const copy = world.copyStoredRecording(p['name'] ?? '', get(req, 'destinationRecordingName') ?? '');
  return reply.ok({ name: copy.name, format: copy.format });
});
on('GET', 'recordings/live/:name', (_req, p, { world }) => {
  const r = world.liveRecording(p['name'] ?? '');
  if (!r) return reply.error(404, 'Not Found', 'Recording not found');
  return reply.ok(ariLiveRecording(r));
});
on('DELETE', 'recordings/live/:name', (_req, p, { world }) => {
  world.cancelRecording(p['name'] ?? '');
  return noContent();
});
on('POST', 'recordings/live/:name/stop', (_req, p, { world }) => {
  world.stopRecording(p['name'] ?? '');
  return noContent();
});
for (const action of ['pause', 'mute']) {
  for (const method of ['POST', 'DELETE']) {
    on(method, `recordings/live/:name/${action}`, (_req, p, { world }) => {
      if (!world.liveRecording(p['name'] ?? '')) return reply.error(404, 'Not Found', 'Recording not found');
      if (action === 'pause') world.pauseRecording(p['name'] ?? '', method === 'POST');
      return noContent();
    });
  }
}

// ---------------------------------------------------------------------------
// mailboxes (res_mwi_external): without the module Asterisk has no such resource (capture 033)

const unloaded = (): AriReply => reply.error(404, 'Not Found', 'Resource not found');
const mailboxJson = (m: { name: string; oldMessages: number; newMessages: number }) => ({
  name: m.name,
  old_messages: m.oldMessages,
  new_messages: m.newMessages,
});

on('GET', 'mailboxes', (_req, _p, { world }) => (world.mailboxModule ? reply.ok(world.mailboxes().map(mailboxJson)) : unloaded()));
on('GET', 'mailboxes/:name', (_req, p, { world }) => {
  if (!world.mailboxModule) return unloaded();
  const m = world.mailbox(p['name'] ?? '');
  return m ? reply.ok(mailboxJson(m)) : reply.error(404, 'Not Found', 'Mailbox not found');
});
on('PUT', 'mailboxes/:name', (req, p, { world }) => {
  if (!world.mailboxModule) return unloaded();
  const counts: number[] = [];
  for (const name of ['oldMessages', 'newMessages']) {
    const raw = get(req, name);
    if (raw === undefined) return reply.error(400, 'Bad Request', `Missing parameter ${name}`);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) return reply.error(400, 'Bad Request', `${name} must be an integer`);
    counts.push(n);
  }
  world.setMailbox(p['name'] ?? '', counts[0]!, counts[1]!);
  return noContent();
});
on('DELETE', 'mailboxes/:name', (_req, p, { world }) => {
  if (!world.mailboxModule) return unloaded();
  world.deleteMailbox(p['name'] ?? '');
  return noContent();
});

// ---------------------------------------------------------------------------
// events

on('POST', 'events/user/:name', (req, p, { world }) => {
  const app = get(req, 'application');
  if (!app) return reply.error(400, 'Bad Request', 'Missing parameter application');
  world.userEvent(app, p['name'] ?? '', req.variables ?? {});
  return noContent();
});
