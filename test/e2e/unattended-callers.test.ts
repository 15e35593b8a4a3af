// A caller who arrives while no instance drives the PBX node is taken by the dialplan's
// fallback (Stasis() fails). Once an instance drives the node again, the caller's Asterisk
// CDR (marked `cti-fallback`) becomes a call of ours with one CDR, disposition
// `unattended`, and nothing invented: no agent, no queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

describe('callers the dialplan fallback took while no instance drove the node', () => {
  let t: TestDatabase;
  let sim: Simulator;
  let a: Service | undefined;
  let b: Service | undefined;
  const prefix = uniquePrefix('unattended');
  const env = (instance: string) => serviceEnv(sim, t.url, prefix, { INSTANCE_ID: instance, LOG_LEVEL: 'silent' });

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({ speed: 20 });
    a = await startService(loadConfig(env('instance-a')), createLogger('silent'));
    await waitUntil(() => a!.nodes[0]!.ariClient?.state === 'connected', 'A drives the node');
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await sim?.close();
    await t?.drop();
  });

  it('records the caller as an unattended call with one CDR once the node is driven again', async () => {
    await a!.stop();
    a = undefined;
    const { channelId } = await simControl<{ channelId: string }>(sim, '/calls', { from: '+15551230007', to: '200', callerName: 'Ada' });
    // The fallback answered it: the caller talks to the fallback's phone, outside Stasis.
    await waitUntil(() => sim.world.channel(channelId)?.state === 'Up', 'the fallback answers');
    expect((await t.db.query('SELECT 1 FROM calls WHERE channel_id = $1', [channelId])).rows).toEqual([]);

    b = await startService(loadConfig(env('instance-b')), createLogger('silent'));
    await waitUntil(() => b!.nodes[0]!.ariClient?.state === 'connected' && b!.nodes[0]!.amiClient?.state === 'logged-in', 'B drives the node');
    await simControl(sim, `/channels/${encodeURIComponent(channelId)}/hangup`, { cause: 16 });

    const call = await waitFor('the caller recorded', async () => {
      const { rows } = await t.db.query("SELECT id, state, direction, caller_number, data FROM calls WHERE channel_id = $1 AND state = 'ended'", [channelId]);
      return rows[0] as { id: string; state: string; direction: string; caller_number: string; data: Record<string, unknown> } | undefined;
    });
    expect(call).toMatchObject({ direction: 'inbound', caller_number: '+15551230007', data: { handledBy: 'dialplan_fallback' } });
    const { rows: cdrs } = await t.db.query('SELECT disposition, talk_ms, detail FROM cdrs WHERE call_id = $1', [call.id]);
    expect(cdrs).toHaveLength(1);
    expect(cdrs[0].disposition).toBe('unattended');
    expect(cdrs[0].talk_ms).toBeGreaterThanOrEqual(0);
    expect(cdrs[0].detail).toMatchObject({ agents: [], queue: null });
    const events = (await t.db.query("SELECT payload FROM outbox WHERE payload->>'callId' = $1 ORDER BY id", [call.id])).rows.map((r) => r.payload);
    expect(events.map((e) => e.type)).toEqual(['call.created', 'call.ended', 'cdr.created']);
    expect(events[1].data.reason).toMatch(/^unattended: no instance drove the PBX node/);
    expect(events[2].data.disposition).toBe('unattended');
  }, 60_000);

  it('leaves the calls it drives alone', async () => {
    const { channelId } = await simControl<{ channelId: string }>(sim, '/calls', { from: '+15551230008', to: '200' });
    const callId = await waitFor('a call of ours', async () => (await t.db.query('SELECT id FROM calls WHERE channel_id = $1', [channelId])).rows[0]?.id as string | undefined);
    await simControl(sim, `/channels/${encodeURIComponent(channelId)}/hangup`, { cause: 16 });
    await waitFor('its Asterisk Cdr', async () => (await t.db.query('SELECT 1 FROM asterisk_cdrs WHERE unique_id = $1', [channelId])).rows.length > 0);
    await waitFor('ended', async () => (await t.db.query("SELECT 1 FROM calls WHERE id = $1 AND state = 'ended'", [callId])).rows.length > 0);
    const { rows } = await t.db.query('SELECT disposition FROM cdrs WHERE call_id = $1', [callId]);
    expect(rows.map((r) => r.disposition)).not.toContain('unattended');
    expect((await t.db.query('SELECT count(*)::int AS n FROM calls WHERE channel_id = $1', [channelId])).rows[0].n).toBe(1);
  }, 60_000);
});
