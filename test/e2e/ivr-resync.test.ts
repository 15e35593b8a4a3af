// IVR calls across a lost PBX connection and a change of owner. A prompt that ends while
// the ARI socket is down sends its PlaybackFinished to nobody: the resync notices and the
// flow goes on. When the owning instance goes away, its sessions go with it: the next
// owner restarts each IVR call at its flow's entry rather than leave the caller in silence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Flow } from '../../src/ivr/contract.js';
import { deleteNumber } from '../../src/ivr/repository.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { waitUntil } from '../helpers/receiver.js';
import { serviceEnv } from '../helpers/service.js';
import { placeCall, press, publishFlow, sessionOf, sound, startIvrWorld, stepsOf, waitAt, waitEnded, type IvrWorld } from './ivr-fixture.js';

const flow: Omit<Flow, 'version'> = {
  id: 'resilient',
  entry: 'welcome',
  nodes: {
    welcome: { type: 'play', prompt: { media: ['sound:cti/long-welcome'], bargeIn: false }, next: 'menu' },
    menu: { type: 'menu', prompt: sound('menu'), options: { '1': 'bye' }, timeoutMs: 30_000, retries: 0, fallback: 'bye' },
    bye: { type: 'hangup', prompt: sound('goodbye') },
  },
};

describe('IVR calls through reconnects and failover', () => {
  let w: IvrWorld;
  const standbys: Service[] = [];
  const standby = async (id: string) => {
    const s = await startService(
      loadConfig(serviceEnv(w.sim, w.t.url, w.redisPrefix, { LEASE_TTL_MS: '3000', INSTANCE_ID: id })),
      createLogger('silent'),
    );
    standbys.push(s);
    return s;
  };

  beforeAll(async () => {
    w = await startIvrWorld('ivr-resync', { LEASE_TTL_MS: '3000' });
    await publishFlow(w, flow, '500');
  });

  afterAll(async () => {
    for (const s of standbys) await s.stop();
    await w?.close();
  });

  it('goes on after a prompt that ended while the ARI socket was down', async () => {
    const node = w.service.nodes[0]!;
    const reconnectsBefore = node.ariClient!.stats.reconnects;
    // Drop the socket the moment the welcome starts: it ends (200 ms) long before the
    // client may reconnect (500 ms at the earliest), so its end is never delivered.
    const off = w.sim.world.subscribe((e) => {
      if (e.type === 'PlaybackStarted' && e.playback.mediaUri === 'sound:cti/long-welcome') w.sim.dropAri();
    });
    const { channelId, callId } = await placeCall(w, '500');
    await waitUntil(() => node.ariClient!.stats.reconnects > reconnectsBefore, 'ARI reconnect');
    off();
    await waitAt(w, channelId, 'menu', 'waiting');
    await press(w, channelId, '1');
    await waitEnded(w, callId);
    expect((await stepsOf(w, callId)).map((s) => [s.node, s.outcome])).toEqual([
      ['welcome', 'played'],
      ['menu', 'option'],
      ['bye', 'hangup'],
    ]);
  });

  it('restarts the flow at its entry on the instance that takes the PBX node over', async () => {
    const a = w.service;
    // A standby instance on the same lease, ready to take over.
    const b = await standby('standby-b');
    expect(b.nodes[0]!.isOwner).toBe(false);
    const { channelId, callId } = await placeCall(w, '500');
    await waitAt(w, channelId, 'menu', 'waiting');
    const first = sessionOf(w, channelId)!;

    await a.stop();
    expect(first.timers.size).toBe(0); // the old owner's session stopped with it
    await waitUntil(() => b.nodes[0]!.ariClient?.state === 'connected', 'the standby to take over', 20_000);
    await waitUntil(() => {
      const s = b.nodes[0]!.ivrCalls?.sessionFor(channelId)?.snapshot;
      return s?.node === 'menu' && s.phase === 'waiting';
    }, 'the flow to restart on the new owner');
    await press(w, channelId, '1');
    await waitEnded(w, callId);

    // The welcome twice (once per owner), then the caller's choice, once; one CDR.
    expect((await stepsOf(w, callId)).map((s) => [s.node, s.outcome])).toEqual([
      ['welcome', 'played'],
      ['welcome', 'played'],
      ['menu', 'option'],
      ['bye', 'hangup'],
    ]);
    const { rows } = await w.t.db.query("SELECT type FROM outbox WHERE payload->>'callId' = $1 AND type IN ('call.ended','cdr.created')", [callId]);
    expect(rows.map((r) => r.type).sort()).toEqual(['call.ended', 'cdr.created']);
    const timeline = (await w.t.db.query("SELECT type FROM call_events WHERE call_id = $1 AND type = 'call.ivr'", [callId])).rows;
    expect(timeline).toHaveLength(1);
  });

  it('says sorry and hangs up a taken-over call whose number no longer has a flow', async () => {
    const b = standbys[0]!;
    const c = await standby('standby-c');
    await waitUntil(() => b.nodes[0]!.ariClient?.state === 'connected', 'B to own the node');
    const { channelId, callId } = await placeCall(w, '500');
    await waitUntil(() => {
      const s = b.nodes[0]!.ivrCalls?.sessionFor(channelId)?.snapshot;
      return s?.node === 'menu' && s.phase === 'waiting';
    }, 'the caller in the menu on B');
    expect(await deleteNumber(w.t.db, '500')).toBe(true);
    await b.stop();
    await waitEnded(w, callId);
    expect(c.nodes[0]!.isOwner).toBe(true);
    expect((await stepsOf(w, callId)).map((s) => [s.node, s.outcome])).toEqual([
      ['welcome', 'played'],
      ['unavailable', 'flow_unavailable'],
    ]);
    const { rows } = await w.t.db.query("SELECT data FROM call_events WHERE call_id = $1 AND type = 'ivr.step' ORDER BY id DESC LIMIT 1", [callId]);
    expect(rows[0].data).toMatchObject({ flowId: 'resilient', flowVersion: 1 });
    expect(w.heard.get(channelId)?.at(-1)).toBe('sound:an-error-has-occurred');
    const { rows: cdrs } = await w.t.db.query('SELECT hangup_cause FROM cdrs WHERE call_id = $1', [callId]);
    expect(cdrs).toEqual([{ hangup_cause: 16 }]);
  });
});
