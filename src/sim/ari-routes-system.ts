// The simulator's ARI resources about Asterisk itself: info, ping and globals, Stasis
// applications and their subscriptions, sounds, endpoints, and user events.
import { ariTimestamp } from './ari-format.js';
import { reply } from './ari-http.js';
import { setEventFilter } from './ari-event-filter.js';
import { get, noContent, on, type RouteContext } from './ari-router.js';

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

function applicationJson(ctx: RouteContext, name: string): Record<string, unknown> {
  const subs = ctx.world.applicationSubscriptions(name);
  const filter = ctx.filterOf(name);
  return {
    name,
    channel_ids: subs.channelIds,
    bridge_ids: subs.bridgeIds,
    endpoint_ids: subs.endpointIds,
    device_names: [],
    events_allowed: filter.allowed,
    events_disallowed: filter.disallowed,
  };
}

on('GET', 'applications', (_req, _p, ctx) => reply.ok(ctx.apps().map((a) => applicationJson(ctx, a))));

on('GET', 'applications/:name', (_req, p, ctx) => {
  const name = p['name'] ?? '';
  if (!ctx.apps().includes(name)) return reply.error(404, 'Not Found', 'Application not found');
  return reply.ok(applicationJson(ctx, name));
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
  return reply.ok(applicationJson(ctx, name));
});

// Asterisk 13.26/16.3+: which event types reach the app (semantics in ari-event-filter.ts).
on('PUT', 'applications/:name/eventFilter', (req, p, ctx) => {
  const name = p['name'] ?? '';
  if (!ctx.apps().includes(name)) return reply.error(404, 'Not Found', 'Application not found');
  const r = setEventFilter(ctx.filterOf(name), req.body);
  if (!r.ok) {
    ctx.setFilter(name, r.partial);
    return reply.error(400, 'Bad Request', 'Invalid format definition');
  }
  ctx.setFilter(name, r.filter);
  return reply.ok(applicationJson(ctx, name));
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
// events

on('POST', 'events/user/:name', (req, p, { world }) => {
  const app = get(req, 'application');
  if (!app) return reply.error(400, 'Bad Request', 'Missing parameter application');
  world.userEvent(app, p['name'] ?? '', req.variables ?? {});
  return noContent();
});
