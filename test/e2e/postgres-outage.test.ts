// Postgres goes away while calls start, go on and end. The PBX events of those calls are
// held and handled once Postgres answers again: every call is recorded, ends with its
// CDR at the time the PBX saw it end, and none stays open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { waitUntil } from '../helpers/receiver.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { startTcpProxy, viaProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

describe('a Postgres outage under calls', () => {
  let t: TestDatabase;
  let proxy: TcpProxy;
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let service: Service;

  beforeAll(async () => {
    t = await createTestDatabase();
    const target = new URL(t.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    sim = await startSimulator({});
    service = await startService(
      loadConfig(serviceEnv(sim, viaProxy(t.url, proxy), uniquePrefix('pgout'), { GREETING_MEDIA: 'sound:tt-weasels' })),
      createLogger('silent'),
    );
    await waitUntil(() => service.nodes[0]!.ariClient?.state === 'connected', 'ARI connected');
  });

  afterAll(async () => {
    proxy?.restore();
    await service?.stop();
    await sim?.close();
    await proxy?.close();
    await t?.drop();
  });

  const control = <T>(path: string, body?: unknown) => simControl<T>(sim, path, body);
  const call = async (channelId: string) =>
    (await t.db.query('SELECT id, state, ended_at FROM calls WHERE channel_id = $1', [channelId])).rows[0] as
      | { id: string; state: string; ended_at: Date | null }
      | undefined;

  it('records the calls that started, went on and ended while Postgres was away', async () => {
    const before = await control<{ channelId: string }>('/calls', { from: '+15550000011', to: '100' });
    await waitUntil(async () => (await call(before.channelId))?.state === 'answered', 'first call answered');

    proxy.cut();
    // Started and ended during the outage, started during it and still up, begun before and ended during it.
    const brief = await control<{ channelId: string }>('/calls', { from: '+15550000012', to: '100' });
    const stays = await control<{ channelId: string }>('/calls', { from: '+15550000013', to: '100' });
    await new Promise((r) => setTimeout(r, 300));
    await control(`/channels/${brief.channelId}/hangup`, { cause: 16 });
    await control(`/channels/${before.channelId}/hangup`, { cause: 16 });
    const hungUpBy = Date.now();
    await new Promise((r) => setTimeout(r, 1_500));
    proxy.restore();

    for (const c of [before, brief, stays]) {
      await waitUntil(async () => (await call(c.channelId))?.state === 'ended', `call ${c.channelId} ended`, 30_000);
    }
    for (const c of [before, brief]) {
      const row = (await call(c.channelId))!;
      // The end is the PBX's time of the hang-up, not the time Postgres came back.
      expect(row.ended_at!.getTime()).toBeLessThanOrEqual(hungUpBy);
      const ended = await t.db.query("SELECT data FROM call_events WHERE type = 'call.ended' AND call_id = $1", [row.id]);
      expect(ended.rows[0].data.reason).not.toBe('channel gone during disconnect');
    }
    for (const c of [before, brief, stays]) {
      const row = (await call(c.channelId))!;
      const cdrs = await t.db.query('SELECT count(*)::int AS n FROM cdrs WHERE call_id = $1', [row.id]);
      expect(cdrs.rows[0].n).toBe(1);
      const { rows } = await t.db.query("SELECT type FROM outbox WHERE payload->>'callId' = $1 AND type IN ('call.created', 'call.ended', 'cdr.created') ORDER BY id", [row.id]);
      expect(rows.map((r) => r.type)).toEqual(['call.created', 'call.ended', 'cdr.created']);
    }
    const open = await t.db.query("SELECT count(*)::int AS n FROM calls WHERE state <> 'ended'");
    expect(open.rows[0].n).toBe(0);
    await waitUntil(() => service.nodes[0]!.ariReadiness().ok, 'the node ready again after its reconcile');
  });
});
