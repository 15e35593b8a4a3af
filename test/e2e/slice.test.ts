// The foundation's thin slice, end to end over real sockets: a call arrives through
// Stasis(cti-bridge,inbound,100), hears the greeting, hangs up; its CDR reaches Postgres
// and a signed webhook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { verifyWebhook } from '../../src/events/signing.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startReceiver, waitUntil, type Receiver } from '../helpers/receiver.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';



describe('the slice: inbound call -> greeting -> hangup -> CDR -> signed webhooks', () => {
  let t: TestDatabase;
  let sim: Simulator;
  let service: Service;
  let receiver: Receiver;
  let key: string;
  let secret: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({});
    service = await startService(
      loadConfig(serviceEnv(sim, t.url, uniquePrefix('slice'))),
      createLogger('info', { write: (line: string) => void logLines.push(line) }),
    );
    key = (await createApiKey(service.db, { name: 'slice', scopes: ['admin'] })).key;
    receiver = await startReceiver();
    const res = await fetch(`${service.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, eventTypes: ['call.created', 'call.answered', 'call.ended', 'cdr.created'] }),
    });
    expect(res.status).toBe(201);
    secret = ((await res.json()) as { secret: string }).secret;
    await waitUntil(async () => (await fetch(`${service.url}/readyz`)).status === 200, 'service ready');
    await waitUntil(() => service.nodes[0]!.ariClient?.state === 'connected', 'ARI connected');
  });

  afterAll(async () => {
    await service?.stop();
    await sim?.close();
    await receiver?.close();
    await t?.drop();
  });

  it('greets the caller, ends the call, stores the CDR and delivers signed events', async () => {
    await simControl(sim, '/calls', { from: '+15551230001', callerName: 'Alice Caller', to: '100' });

    await receiver.waitFor((all) => all.some((r) => r.json.type === 'cdr.created'));
    // Events of one outbox batch are delivered concurrently: compare without order.
    const types = receiver.received.map((r) => r.json.type).sort();
    expect(types).toEqual(['call.answered', 'call.created', 'call.ended', 'cdr.created']);
    for (const r of receiver.received) {
      expect(verifyWebhook(r.headers, r.body, secret)).toMatchObject({ ok: true });
      expect(r.headers['webhook-id']).toBe(r.json.id);
    }
    const callId = receiver.received.find((r) => r.json.type === 'call.created')!.json.callId!;
    expect(receiver.received.every((r) => r.json.callId === callId)).toBe(true);
    expect(receiver.received.find((r) => r.json.type === 'call.created')!.json.data).toMatchObject({ caller: { number: '+15551230001', name: 'Alice Caller' }, dnis: '100', direction: 'inbound' });

    const cdr = await t.db.query('SELECT * FROM cdrs WHERE call_id = $1', [callId]);
    expect(cdr.rowCount).toBe(1);
    expect(cdr.rows[0]).toMatchObject({ disposition: 'answered', hangup_cause: 16, caller_number: '+15551230001', dnis: '100' });
    expect(cdr.rows[0].talk_ms).toBeGreaterThan(0);

    // The API shows the call with its timeline: created, answered, greeting, ended.
    const detail = await fetch(`${service.url}/v1/calls/${callId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(detail.status).toBe(200);
    const call = (await detail.json()) as { state: string; timeline: Array<{ type: string }> };
    expect(call.state).toBe('ended');
    expect(call.timeline.map((e) => e.type)).toEqual(['call.created', 'call.answered', 'prompt.started', 'prompt.finished', 'call.ended']);

    // Ops follow one call with one filter: every milestone line names the call, its
    // linkedid and the PBX node; and no secret is ever written.
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const milestones = lines.filter((l) => l.callId === callId && typeof l.event === 'string');
    expect(milestones.map((l) => l.event)).toEqual(['call.created', 'call.answered', 'prompt.finished', 'call.ended']);
    for (const l of milestones) expect(l).toMatchObject({ callId, pbx: 'pbx1', linkedid: expect.any(String) });
    const all = logLines.join('\n');
    for (const leaked of ['cti-secret', key, secret]) expect(all).not.toContain(leaked);
  });

  it('ends the call with the caller hang-up cause when the caller hangs up during the greeting', async () => {
    const before = receiver.received.length;
    const { channelId } = await simControl<{ channelId: string }>(sim, '/calls', { from: '+15551230002', to: '100' });
    await waitUntil(async () => {
      const { rows } = await t.db.query('SELECT state FROM calls WHERE channel_id = $1', [channelId]);
      return rows[0]?.state === 'answered';
    }, 'the call to be answered');
    await simControl(sim, `/channels/${channelId}/hangup`, { cause: 16 });
    await receiver.waitFor((all) => all.slice(before).some((r) => r.json.type === 'cdr.created'));
    const ended = receiver.received.slice(before).find((r) => r.json.type === 'call.ended')!;
    expect(ended.json.data).toMatchObject({ cause: 16, reason: 'left stasis' });
    expect(receiver.received.slice(before).filter((r) => r.json.type === 'cdr.created')).toHaveLength(1);
  });
});
