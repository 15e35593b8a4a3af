// `core restart now` mid-call, as Asterisk 22 does it (capture pjsip/core-restart-mid-call):
// every channel is hung up softly with cause 4 and leaves Stasis while the sockets are
// still up, AMI says Shutdown, then both sockets drop and the PBX comes back empty. The
// call is recorded as lost to a PBX restart (CDR disposition pbx_restart), not as a caller
// who left; a caller who hangs up normally just before is not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/main.js';
import type { TestDatabase } from '../helpers/db.js';
import { startGreetingWorld, type GreetingWorld } from '../helpers/greeting-world.js';
import { waitUntil } from '../helpers/receiver.js';

describe('graceful PBX restart', () => {
  let w: GreetingWorld;
  let t: TestDatabase;
  let service: Service;

  beforeAll(async () => {
    w = await startGreetingWorld('restart');
    ({ t, service } = w);
  });

  afterAll(async () => {
    await w?.stop();
  });

  const control = <T>(path: string, body?: unknown) => w.control<T>(path, body);
  const call = (channelId: string) => w.callOf(channelId);
  const cdr = async (callId: string) =>
    (await t.db.query('SELECT disposition FROM cdrs WHERE call_id = $1', [callId])).rows[0] as { disposition: string } | undefined;

  it('records the calls the restart hung up as pbx_restart, and reconnects to the empty PBX', async () => {
    const normal = await control<{ channelId: string }>('/calls', { from: '+15550000011', to: '100' });
    const cut = await control<{ channelId: string }>('/calls', { from: '+15550000012', to: '100' });
    for (const c of [normal, cut]) await waitUntil(async () => (await call(c.channelId))?.state === 'answered', 'call answered');
    await control(`/channels/${normal.channelId}/hangup`, { cause: 16 });
    await waitUntil(async () => (await call(normal.channelId))?.state === 'ended', 'the normal hang-up recorded');

    const reconnects = service.nodes[0]!.ariClient!.stats.reconnects;
    const answer = await control<{ hungUp: number; restart: boolean }>('/pbx/shutdown', { restart: true });
    expect(answer).toEqual({ hungUp: 1, restart: true });
    await waitUntil(async () => (await call(cut.channelId))?.state === 'ended', 'the cut call recorded');
    const cutCall = (await call(cut.channelId))!;
    await waitUntil(async () => (await cdr(cutCall.id)) !== undefined, 'its CDR');
    expect((await cdr(cutCall.id))!.disposition).toBe('pbx_restart');
    const ended = await t.db.query("SELECT payload->'data' AS data FROM outbox WHERE type = 'call.ended' AND payload->>'callId' = $1", [cutCall.id]);
    expect(ended.rows[0].data.reason).toMatch(/pbx restart/);
    expect(ended.rows[0].data.cause).toBe(4);

    const normalCall = (await call(normal.channelId))!;
    expect((await cdr(normalCall.id))!.disposition).not.toBe('pbx_restart');
    // Both sockets dropped after the events; the service reconnects and finds nothing left.
    await waitUntil(() => service.nodes[0]!.ariClient!.stats.reconnects > reconnects, 'ARI reconnect');
    const state = (await (await fetch(`${w.sim.control.url}/state`)).json()) as { channels: unknown[]; bridges: unknown[] };
    expect(state.channels).toEqual([]);
    expect(state.bridges).toEqual([]);
  });
});
