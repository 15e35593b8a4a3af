// The service asks the PBX to keep the ARI event types nothing reads off its socket
// (src/pbx/ari-events.ts) and calls still run end to end; against an Asterisk without
// the eventFilter resource it receives every event and calls run the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AriEvent } from '../../src/ari/types.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { ARI_DISALLOWED_EVENTS } from '../../src/pbx/ari-events.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

interface World {
  t: TestDatabase;
  sim: Simulator;
  service: Service;
}

async function start(name: string, ariEventFilter: boolean): Promise<World> {
  const t = await createTestDatabase();
  const sim = await startSimulator({ speed: 20, ariEventFilter });
  const service = await startService(loadConfig(serviceEnv(sim, t.url, uniquePrefix(name), { INSTANCE_ID: name, LOG_LEVEL: 'silent' })), createLogger('silent'));
  await waitUntil(() => service.nodes[0]!.ariClient?.state === 'connected', 'the node driven');
  return { t, sim, service };
}

/**
 * A call of ours on which a variable is set (a ChannelVarset from the PBX), hung up by the
 * caller; resolves with the ARI event types the service received for its channel once the
 * call is ended with its CDR.
 */
async function oneCall(w: World, from: string): Promise<string[]> {
  const ari = w.service.nodes[0]!.ariClient!;
  const all: { channel: string | undefined; type: string }[] = [];
  const listen = (e: AriEvent) => void all.push({ channel: (e as { channel?: { id?: string } }).channel?.id, type: e.type });
  let channel = '';
  const seen = () => all.filter((e) => e.channel === channel).map((e) => e.type);
  ari.on('event', listen);
  try {
    const { channelId } = await simControl<{ channelId: string }>(w.sim, '/calls', { from, to: '200' });
    channel = channelId;
    const callId = await waitFor('a call of ours', async () => (await w.t.db.query('SELECT id FROM calls WHERE channel_id = $1', [channelId])).rows[0]?.id as string | undefined);
    await ari.channels.setVariable(channelId, 'CTI_TEST', '1');
    await simControl(w.sim, `/channels/${encodeURIComponent(channelId)}/hangup`, { cause: 16 });
    await waitFor('the call ended', async () => (await w.t.db.query("SELECT 1 FROM calls WHERE id = $1 AND state = 'ended'", [callId])).rows.length > 0);
    await waitFor('its CDR', async () => (await w.t.db.query('SELECT 1 FROM cdrs WHERE call_id = $1', [callId])).rows.length > 0);
    // Events come in order on the socket: once StasisEnd is in, a ChannelVarset came or never will.
    await waitUntil(() => seen().includes('StasisEnd'), 'StasisEnd received');
    return seen();
  } finally {
    ari.off('event', listen);
  }
}

/** A service and its own simulator for the enclosing describe. */
function useWorld(name: string, ariEventFilter: boolean): () => World {
  let w: World | undefined;
  beforeAll(async () => {
    w = await start(name, ariEventFilter);
  });
  afterAll(async () => {
    await w?.service.stop();
    await w?.sim.close();
    await w?.t.drop();
  });
  return () => w!;
}

describe('ARI event filter taken by the PBX', () => {
  const world = useWorld('ari-filter-on', true);

  it('sets the disallowed list on its app and still runs a call to its end and CDR', async () => {
    const w = world();
    const ari = w.service.nodes[0]!.ariClient!;
    expect(ari.eventFilterSet).toBe(true);
    const app = await ari.applications.get(ari.app);
    expect(app.events_disallowed).toEqual(ARI_DISALLOWED_EVENTS.map((type) => ({ type })));
    expect(app.events_allowed).toEqual([]);
    const seen = await oneCall(w, '+15551230021');
    expect(seen).toContain('StasisStart');
    expect(seen).not.toContain('ChannelVarset');
  }, 60_000);
});

describe('ARI event filter unknown to the PBX', () => {
  const world = useWorld('ari-filter-old', false);

  it('runs unfiltered: every event arrives and a call runs to its end and CDR', async () => {
    const w = world();
    const ari = w.service.nodes[0]!.ariClient!;
    expect(ari.eventFilterSet).toBe(false);
    const seen = await oneCall(w, '+15551230022');
    expect(seen).toContain('ChannelVarset');
  }, 60_000);
});
