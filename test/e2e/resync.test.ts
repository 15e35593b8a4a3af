// The PBX connection drops mid-call. Events of the gap are gone, so after reconnecting
// cti-bridge resyncs: a call whose caller left meanwhile is ended, a call still up goes
// on, and nothing is handled twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/main.js';
import type { TestDatabase } from '../helpers/db.js';
import { startGreetingWorld, type GreetingWorld } from '../helpers/greeting-world.js';
import { waitUntil } from '../helpers/receiver.js';

describe('ARI reconnect and resync', () => {
  let w: GreetingWorld;
  let t: TestDatabase;
  let service: Service;

  beforeAll(async () => {
    w = await startGreetingWorld('resync');
    ({ t, service } = w);
  });

  afterAll(async () => {
    await w?.stop();
  });

  const control = <T>(path: string, body?: unknown) => w.control<T>(path, body);
  const callState = (channelId: string) => w.callOf(channelId);

  it('ends the call that hung up during the gap and finishes the one still up, each once', async () => {
    const left = await control<{ channelId: string }>('/calls', { from: '+15550000001', to: '100' });
    const stays = await control<{ channelId: string }>('/calls', { from: '+15550000002', to: '100' });
    await waitUntil(async () => (await callState(left.channelId))?.state === 'answered', 'first call answered');
    await waitUntil(async () => (await callState(stays.channelId))?.state === 'answered', 'second call answered');

    const reconnectsBefore = service.nodes[0]!.ariClient!.stats.reconnects;
    await control('/faults/ari-drop');
    await control(`/channels/${left.channelId}/hangup`, { cause: 16 });
    await waitUntil(() => service.nodes[0]!.ariClient!.stats.reconnects > reconnectsBefore, 'ARI reconnect');

    await waitUntil(async () => (await callState(left.channelId))?.state === 'ended', 'resync to end the call that left');
    await waitUntil(async () => (await callState(stays.channelId))?.state === 'ended', 'the greeting to finish', 20_000);

    for (const channelId of [left.channelId, stays.channelId]) {
      const call = (await callState(channelId))!;
      const { rows } = await t.db.query("SELECT type FROM outbox WHERE payload->>'callId' = $1 ORDER BY id", [call.id]);
      expect(rows.map((r) => r.type)).toEqual(['call.created', 'call.answered', 'call.ended', 'cdr.created']);
    }
    const gone = await t.db.query("SELECT data FROM call_events WHERE type = 'call.ended' AND call_id = $1", [
      (await callState(left.channelId))!.id,
    ]);
    // The PBX did not restart: the caller hung up while nobody listened, an answered call, not a PBX restart.
    expect(gone.rows[0].data.reason).toBe('ended while the service was away');
    const cdr = await t.db.query('SELECT disposition FROM cdrs WHERE call_id = $1', [(await callState(left.channelId))!.id]);
    expect(cdr.rows[0].disposition).toBe('answered');
  });
  it('removes at resync the empty bridges a fault left behind of ended calls, and nothing else', async () => {
    const c = await control<{ channelId: string }>('/calls', { from: '+15550000003', to: '100' });
    await waitUntil(async () => (await callState(c.channelId))?.state === 'ended', 'the greeted call to end', 20_000);
    const callId = (await callState(c.channelId))!.id;
    const ari = service.nodes[0]!.ariClient!;
    // What an instance that died mid-call leaves: its call's bridges, empty.
    for (const bridgeId of [`acd-mix-${callId}`, `${callId}-hold`]) await ari.bridges.create({ type: 'mixing', bridgeId });
    // The site's own empty bridge, and one named like ours for a call that is not over.
    await ari.bridges.create({ type: 'mixing', bridgeId: 'site-conference' });
    await ari.bridges.create({ type: 'mixing', bridgeId: 'acd-mix-00000000-0000-4000-8000-000000000000' });

    const reconnectsBefore = ari.stats.reconnects;
    await control('/faults/ari-drop');
    await waitUntil(() => service.nodes[0]!.ariClient!.stats.reconnects > reconnectsBefore, 'ARI reconnect');
    await waitUntil(async () => !(await ari.bridges.list()).some((b) => b.id === `acd-mix-${callId}`), 'the leftover bridges removed');
    const left = (await ari.bridges.list()).map((b) => b.id);
    expect(left).not.toContain(`${callId}-hold`);
    expect(left).toEqual(expect.arrayContaining(['site-conference', 'acd-mix-00000000-0000-4000-8000-000000000000']));
  });
});
