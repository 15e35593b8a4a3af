// The simulator's ARI bridge and playback resources.
import { ariBridge, ariPlayback } from './ari-format.js';
import { reply } from './ari-http.js';
import { play, record } from './ari-media-ops.js';
import { get, noContent, on } from './ari-router.js';

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
