// The service's AMI session with event filters. Granted: one session, filtered, through
// calls. Refused (no write=system, as the shipped manager.conf has it, here without its
// eventfilter lines): Asterisk answers the Filter actions with Error and the service
// carries on with every event of its classes, its AMI consumers (Asterisk's own CDRs)
// included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

describe('AMI event filters granted by the PBX', () => {
  let t: TestDatabase;
  let sim: Simulator;
  let service: Service | undefined;

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({ speed: 20 });
    service = await startService(loadConfig(serviceEnv(sim, t.url, uniquePrefix('ami-filters-on'), { INSTANCE_ID: 'filters-on', LOG_LEVEL: 'silent' })), createLogger('silent'));
    await waitUntil(() => service!.nodes[0]!.ariClient?.state === 'connected' && service!.nodes[0]!.amiClient?.state === 'logged-in', 'the node driven');
  });

  afterAll(async () => {
    await service?.stop();
    await sim?.close();
    await t?.drop();
  });

  it('keeps one filtered session through calls and stores their PBX CDRs', async () => {
    const ami = service!.nodes[0]!.amiClient!;
    expect(ami.filterState).toBe('applied');
    const names = new Set<string>();
    ami.on('event', (e) => names.add(e.event ?? ''));
    for (const from of ['+15551230011', '+15551230012']) {
      const { channelId } = await simControl<{ channelId: string }>(sim, '/calls', { from, to: '200' });
      await waitFor('a call of ours', async () => (await t.db.query('SELECT id FROM calls WHERE channel_id = $1', [channelId])).rows[0]?.id as string | undefined);
      await simControl(sim, `/channels/${encodeURIComponent(channelId)}/hangup`, { cause: 16 });
      await waitFor('its Asterisk Cdr', async () => (await t.db.query('SELECT 1 FROM asterisk_cdrs WHERE unique_id = $1', [channelId])).rows.length > 0);
    }
    expect(ami.stats.reconnects).toBe(0);
    expect(names).not.toContain('Newchannel');
    expect(names).toContain('Hangup');
  }, 60_000);
});

describe('AMI event filters refused by the PBX', () => {
  let t: TestDatabase;
  let sim: Simulator;
  let service: Service | undefined;
  const prefix = uniquePrefix('ami-filters');

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({ speed: 20, amiWritePermissions: 'call,originate,agent,reporting' });
    service = await startService(loadConfig(serviceEnv(sim, t.url, prefix, { INSTANCE_ID: 'filters-refused', LOG_LEVEL: 'silent' })), createLogger('silent'));
    await waitUntil(() => service!.nodes[0]!.ariClient?.state === 'connected' && service!.nodes[0]!.amiClient?.state === 'logged-in', 'the node driven');
  });

  afterAll(async () => {
    await service?.stop();
    await sim?.close();
    await t?.drop();
  });

  it('logs in unfiltered and still stores the PBX CDR of a call', async () => {
    const ami = service!.nodes[0]!.amiClient!;
    expect(ami.filterState).toBe('refused');
    const names = new Set<string>();
    ami.on('event', (e) => names.add(e.event ?? ''));
    const { channelId } = await simControl<{ channelId: string }>(sim, '/calls', { from: '+15551230009', to: '200' });
    await waitFor('a call of ours', async () => (await t.db.query('SELECT id FROM calls WHERE channel_id = $1', [channelId])).rows[0]?.id as string | undefined);
    await simControl(sim, `/channels/${encodeURIComponent(channelId)}/hangup`, { cause: 16 });
    await waitFor('its Asterisk Cdr', async () => (await t.db.query('SELECT 1 FROM asterisk_cdrs WHERE unique_id = $1', [channelId])).rows.length > 0);
    // Unfiltered: the call's Newchannel arrived too (no filter would let it through).
    expect(names).toContain('Newchannel');
    expect(names).toContain('Cdr');
  }, 60_000);
});
