// The open call audit against a real PBX (the simulator over ARI) and a real database: a
// call whose channels the PBX no longer has is ended, with its CDR, on the second audit
// that finds it so; a call whose channel is there, and a click-to-dial whose agent leg
// rings before the customer is dialled, stay open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AriRest } from '../../src/ari/rest.js';
import { CHANNELS_GONE, callsWithoutChannels, OpenCallAudit } from '../../src/calls/open-calls.js';
import { strandedDials } from '../../src/calls/control/adopt.js';
import { LiveCalls } from '../../src/calls/control/live.js';
import { createCall } from '../../src/calls/repository.js';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { simControl } from '../helpers/service.js';

describe('open call audit', () => {
  let t: TestDatabase;
  let sim: Simulator;
  let rest: AriRest;

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({});
    rest = new AriRest({ baseUrl: sim.ari.url, user: 'cti', password: 'cti-secret', timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await sim?.close();
    await t?.drop();
  });

  const call = (channelId: string, direction: 'inbound' | 'outbound', linkedid: string | null = channelId) =>
    createCall(t.db, { pbxNode: 'pbx1', channelId, linkedid, direction, callerNumber: '+15550001111', callerName: null, dnis: '100' });

  it('pure: a call lives while any of its channels does', () => {
    const calls = [
      { id: 'a', direction: 'inbound' as const, channels: ['c1'] },
      { id: 'b', direction: 'outbound' as const, channels: ['c2', 'c3'] },
      { id: 'c', direction: 'outbound' as const, channels: ['c4', 'c5'] },
    ];
    expect(callsWithoutChannels(calls, new Set(['c3']))).toEqual(['a', 'c']);
    expect(callsWithoutChannels(calls, new Set())).toEqual(['a', 'b', 'c']);
  });

  it('ends a call whose channels left the PBX, on the second audit that finds it, and leaves live ones open', async () => {
    // No app is registered: the dialplan's fallback rings a default phone for 20 s, so the channel stays.
    const live = await simControl<{ channelId: string }>(sim, '/calls', { from: '+15550002222', to: '100' });
    const gone = await call('ghost-channel', 'inbound');
    const stays = await call(live.channelId, 'inbound');
    // A click-to-dial: the customer's channel does not exist yet, the agent's (its linkedid) does.
    const dialling = await call('customer-not-yet-dialled', 'outbound', live.channelId);

    const audit = new OpenCallAudit({
      db: t.db,
      pbxNode: 'pbx1',
      log: createLogger('silent'),
      channels: async () => (await rest.channels.list()).map((c) => c.id),
      quietForMs: 0,
    });
    expect(await audit.run()).toBe(0);
    expect(await audit.run()).toBe(1);
    expect(await audit.run()).toBe(0);

    const states = await t.db.query<{ id: string; state: string }>('SELECT id, state FROM calls');
    const byId = Object.fromEntries(states.rows.map((r) => [r.id, r.state]));
    expect(byId[gone.call.id]).toBe('ended');
    expect(byId[stays.call.id]).not.toBe('ended');
    expect(byId[dialling.call.id]).not.toBe('ended');
    const cdrs = await t.db.query('SELECT call_id FROM cdrs');
    expect(cdrs.rows.map((r) => r.call_id)).toEqual([gone.call.id]);
    const reason = await t.db.query("SELECT data->>'reason' AS reason FROM call_events WHERE call_id = $1 AND type = 'call.ended'", [gone.call.id]);
    expect(reason.rows[0].reason).toBe(CHANNELS_GONE);
  });

  it('leaves a call alone that changed within the quiet time', async () => {
    const fresh = await call('another-ghost', 'inbound');
    const audit = new OpenCallAudit({
      db: t.db,
      pbxNode: 'pbx1',
      log: createLogger('silent'),
      channels: async () => (await rest.channels.list()).map((c) => c.id),
      quietForMs: 60_000,
    });
    await audit.run();
    expect(await audit.run()).toBe(0);
    const row = await t.db.query('SELECT state FROM calls WHERE id = $1', [fresh.call.id]);
    expect(row.rows[0].state).not.toBe('ended');
  });

  it('names the click-to-dials a new owner cannot adopt: the agent rings, no bridge, not driven here', async () => {
    const ringing = await call('customer-a', 'outbound', 'agent-ringing');
    const bridged = await call('customer-b', 'outbound', 'agent-bridged');
    const drivenHere = await call('customer-c', 'outbound', 'agent-here');
    const live = new LiveCalls();
    live.addCall({ callId: drivenHere.call.id, customer: 'customer-c', agent: 'agent-here', mainBridge: drivenHere.call.id, ended: false });
    const snapshot = { channelIds: new Set(['agent-ringing', 'agent-bridged', 'agent-here']), bridgeIds: new Set([bridged.call.id]) };
    const stranded = await strandedDials(t.db, 'pbx1', live, snapshot);
    expect(stranded.map((c) => c.id)).toEqual([ringing.call.id]);
  });
});
