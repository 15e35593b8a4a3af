// The IVR over real sockets: callers dial a DID mapped to a published flow, press keys
// on the simulator, the flow asks a CRM on loopback, and what happened lands in Postgres
// and at a webhook receiver — for the right keys, wrong keys, no keys and a hang-up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../src/ivr/contract.js';
import { waitUntil } from '../helpers/receiver.js';
import {
  callRow,
  hangUp,
  placeCall,
  press,
  publishFlow,
  sessionOf,
  sound,
  startIvrWorld,
  stepsOf,
  timelineOf,
  waitAt,
  waitEnded,
  type IvrWorld,
} from './ivr-fixture.js';

const hotline = (crmUrl: string, menuTimeoutMs: number): Omit<Flow, 'version'> => ({
  id: 'order-status',
  entry: 'welcome',
  nodes: {
    welcome: { type: 'play', prompt: { ...sound('welcome'), bargeIn: false }, next: 'menu' },
    menu: {
      type: 'menu',
      prompt: sound('menu'),
      options: { '2': 'order', '0': 'operator' },
      timeoutMs: menuTimeoutMs,
      retries: 1,
      invalidPrompt: sound('invalid'),
      timeoutPrompt: sound('timeout'),
      fallback: 'fallback',
    },
    order: { type: 'collect', prompt: sound('enter-order'), variable: 'orderNumber', maxDigits: 8, firstDigitTimeoutMs: 10_000, next: 'lookup' },
    lookup: {
      type: 'http',
      method: 'GET',
      url: `${crmUrl}/orders/{{orderNumber}}?caller={{caller}}`,
      map: { orderStatus: '/status', vip: '/customer/vip' },
      timeoutMs: 5_000,
      next: 'remember',
      onError: 'crmError',
    },
    remember: { type: 'set', values: { orderNumber: '{{orderNumber}}', orderStatus: '{{orderStatus}}', vip: '{{vip}}' }, next: 'status' },
    status: { type: 'play', prompt: { media: ['sound:cti/status-{{orderStatus}}'] }, next: 'bye' },
    bye: { type: 'hangup', prompt: sound('goodbye') },
    fallback: { type: 'hangup', prompt: sound('fallback') },
    crmError: { type: 'hangup', prompt: sound('crm-error') },
    operator: { type: 'queue', queue: 'operators' },
  },
});

describe('IVR: callers walking a published flow through the simulator', () => {
  let w: IvrWorld;

  beforeAll(async () => {
    w = await startIvrWorld('ivr');
    w.crm.answer = (req) => {
      if (req.path.startsWith('/orders/12345')) return { body: { status: 'shipped', customer: { vip: true } } };
      if (req.path.startsWith('/orders/500')) return { status: 500, body: { error: 'database down' } };
      return { status: 404, body: { error: 'no such order' } };
    };
    await publishFlow(w, hotline(w.crm.url, 10_000), '200');
    await publishFlow(w, { ...hotline(w.crm.url, 150), id: 'order-status-impatient' }, '201');
  });

  afterAll(async () => {
    await w?.close();
  });

  it('serves a caller who presses the right keys: menu, order number, CRM lookup, status, goodbye', async () => {
    const before = w.receiver.received.length;
    const { channelId, callId } = await placeCall(w, '200');
    await waitAt(w, channelId, 'menu', 'waiting');
    await press(w, channelId, '2');
    await waitAt(w, channelId, 'order', 'collecting');
    await press(w, channelId, '12345#');
    await waitEnded(w, callId);

    expect(await stepsOf(w, callId)).toEqual([
      { node: 'welcome', nodeType: 'play', outcome: 'played' },
      { node: 'menu', nodeType: 'menu', outcome: 'option', input: '2' },
      // What a caller keys into a collect is reported by its length only.
      { node: 'order', nodeType: 'collect', outcome: 'collected', inputLength: 5 },
      { node: 'lookup', nodeType: 'http', outcome: 'ok', input: '200' },
      { node: 'remember', nodeType: 'set', outcome: 'set' },
      { node: 'status', nodeType: 'play', outcome: 'played' },
      { node: 'bye', nodeType: 'hangup', outcome: 'hangup' },
    ]);
    expect(w.crm.requests.at(-1)!.path).toBe('/orders/12345?caller=%2B15551230001');
    expect(w.heard.get(channelId)).toEqual([
      'sound:cti/welcome',
      'sound:cti/menu',
      'sound:cti/enter-order',
      'sound:cti/status-shipped',
      'sound:cti/goodbye',
    ]);

    const call = await callRow(w, callId);
    expect(call).toMatchObject({ state: 'ended', hangup_cause: 16 });
    expect(call.data).toMatchObject({ orderNumber: '12345', orderStatus: 'shipped', vip: 'true' });
    const types = await timelineOf(w, callId);
    expect(types.slice(0, 3)).toEqual(['call.created', 'call.answered', 'call.ivr']);
    expect(types.at(-1)).toBe('call.ended');
    const { rows: cdrs } = await w.t.db.query('SELECT data, disposition FROM cdrs WHERE call_id = $1', [callId]);
    expect(cdrs).toHaveLength(1);
    expect(cdrs[0].data).toMatchObject({ orderNumber: '12345', orderStatus: 'shipped' });

    // Integrators follow the flow through signed webhooks, in order.
    await w.receiver.waitFor((all) => all.slice(before).some((r) => r.json.type === 'cdr.created' && r.json.callId === callId));
    const mine = w.receiver.received.slice(before).filter((r) => r.json.callId === callId);
    const steps = mine.filter((r) => r.json.type === 'call.ivr_step').map((r) => r.json.data.step as Record<string, unknown>);
    expect(steps.map((s) => s.node)).toEqual(['welcome', 'menu', 'order', 'lookup', 'remember', 'status', 'bye']);
    expect(steps[0]).toMatchObject({ flowId: 'order-status', flowVersion: 1, nodeType: 'play' });
    expect(steps[2]).toEqual({ flowId: 'order-status', flowVersion: 1, node: 'order', nodeType: 'collect', outcome: 'collected', inputLength: 5 });
    expect(mine.filter((r) => r.json.type === 'call.ended')).toHaveLength(1);

    // The log names each step but never what the caller keyed into the collect.
    const stepLines = w.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.callId === callId && l.event === 'ivr.step');
    expect(stepLines.map((l) => l.node)).toEqual(['welcome', 'menu', 'order', 'lookup', 'remember', 'status', 'bye']);
    expect(stepLines.find((l) => l.node === 'order')).not.toHaveProperty('input');
  });

  it('plays the invalid prompt on a wrong key and takes the right one on the retry', async () => {
    const { channelId, callId } = await placeCall(w, '200');
    await waitAt(w, channelId, 'menu', 'waiting');
    await press(w, channelId, '7');
    await waitUntil(async () => (await stepsOf(w, callId)).some((s) => s.outcome === 'invalid'), 'the invalid key to be noted');
    await waitAt(w, channelId, 'menu', 'waiting');
    await press(w, channelId, '2');
    await waitAt(w, channelId, 'order', 'collecting');
    await hangUp(w, channelId);
    await waitEnded(w, callId);
    expect(await stepsOf(w, callId)).toEqual([
      { node: 'welcome', nodeType: 'play', outcome: 'played' },
      { node: 'menu', nodeType: 'menu', outcome: 'invalid', input: '7' },
      { node: 'menu', nodeType: 'menu', outcome: 'option', input: '2' },
      { node: 'order', nodeType: 'collect', outcome: 'caller hung up' },
    ]);
    // The retry repeats the menu after the invalid notice, as one playback.
    expect(w.heard.get(channelId)).toEqual(['sound:cti/welcome', 'sound:cti/menu', 'sound:cti/invalid', 'sound:cti/menu', 'sound:cti/enter-order']);
  });

  it('times out a caller who presses nothing, retries, then takes the fallback', async () => {
    const { channelId, callId } = await placeCall(w, '201');
    await waitEnded(w, callId);
    expect(await stepsOf(w, callId)).toEqual([
      { node: 'welcome', nodeType: 'play', outcome: 'played' },
      { node: 'menu', nodeType: 'menu', outcome: 'timeout' },
      { node: 'menu', nodeType: 'menu', outcome: 'timeout, retries exhausted' },
      { node: 'fallback', nodeType: 'hangup', outcome: 'hangup' },
    ]);
    expect(w.heard.get(channelId)).toEqual(['sound:cti/welcome', 'sound:cti/menu', 'sound:cti/timeout', 'sound:cti/menu', 'sound:cti/fallback']);
    // We hung up after the goodbye: a normal end.
    expect(await callRow(w, callId)).toMatchObject({ state: 'ended', hangup_cause: 16 });
    const { rows } = await w.t.db.query("SELECT data->>'reason' AS reason FROM call_events WHERE call_id = $1 AND type = 'call.ended'", [callId]);
    expect(rows).toEqual([{ reason: 'completed' }]);
  });

  it('cancels every timer when the caller hangs up mid-menu, and ends the call once', async () => {
    const before = w.receiver.received.length;
    const { channelId, callId } = await placeCall(w, '200');
    await waitAt(w, channelId, 'menu', 'waiting');
    const session = sessionOf(w, channelId)!;
    expect(session.timers.size).toBe(1); // the menu's wait for a key
    await hangUp(w, channelId);
    await waitEnded(w, callId);
    expect(session.timers.size).toBe(0);
    expect(session.currentPhase).toBe('finished');
    expect(sessionOf(w, channelId)).toBeUndefined();
    expect((await stepsOf(w, callId)).at(-1)).toEqual({ node: 'menu', nodeType: 'menu', outcome: 'caller hung up' });
    const { rows: cdrs } = await w.t.db.query('SELECT hangup_cause FROM cdrs WHERE call_id = $1', [callId]);
    expect(cdrs).toEqual([{ hangup_cause: 16 }]);
    await w.receiver.waitFor((all) => all.slice(before).some((r) => r.json.type === 'cdr.created' && r.json.callId === callId));
    const mine = w.receiver.received.slice(before).filter((r) => r.json.callId === callId);
    expect(mine.filter((r) => r.json.type === 'call.ended')).toHaveLength(1);
    expect(mine.filter((r) => r.json.type === 'cdr.created')).toHaveLength(1);
    expect(await timelineOf(w, callId)).toEqual(expect.arrayContaining(['call.ended']));
    expect((await timelineOf(w, callId)).filter((t) => t === 'call.ended')).toHaveLength(1);
  });

  it('takes the error branch on a CRM 500', async () => {
    const { channelId, callId } = await placeCall(w, '200');
    await waitAt(w, channelId, 'menu', 'waiting');
    await press(w, channelId, '2');
    await waitAt(w, channelId, 'order', 'collecting');
    await press(w, channelId, '500#');
    await waitEnded(w, callId);
    const steps = await stepsOf(w, callId);
    expect(steps.slice(3)).toEqual([
      { node: 'lookup', nodeType: 'http', outcome: 'error: status 500' },
      { node: 'crmError', nodeType: 'hangup', outcome: 'hangup' },
    ]);
    expect(w.heard.get(channelId)?.at(-1)).toBe('sound:cti/crm-error');
  });

  it('says sorry and hangs up when a flow reaches a capability that has not landed', async () => {
    const { channelId, callId } = await placeCall(w, '200');
    await waitAt(w, channelId, 'menu', 'waiting');
    await press(w, channelId, '0');
    await waitEnded(w, callId);
    expect((await stepsOf(w, callId)).slice(1)).toEqual([
      { node: 'menu', nodeType: 'menu', outcome: 'option', input: '0' },
      { node: 'operator', nodeType: 'queue', outcome: 'handover' },
      { node: 'operator', nodeType: 'queue', outcome: 'capability_unavailable' },
    ]);
    expect(w.heard.get(channelId)?.at(-1)).toBe('sound:an-error-has-occurred');
    expect(await callRow(w, callId)).toMatchObject({ state: 'ended', hangup_cause: 16 });
  });

  it('answers the caller channel once: the start of the flow and its answer command are one request', async () => {
    // Counted where Asterisk would be asked: the simulated PBX's own answer.
    const answers = new Map<string, number>();
    const world = w.sim.world;
    const answer = world.answer.bind(world);
    world.answer = (id: string) => {
      answers.set(id, (answers.get(id) ?? 0) + 1);
      answer(id);
    };
    try {
      const { channelId, callId } = await placeCall(w, '201');
      await waitAt(w, channelId, 'menu', 'waiting');
      await hangUp(w, channelId);
      await waitEnded(w, callId);
      expect(answers.get(channelId)).toBe(1);
    } finally {
      world.answer = answer;
    }
  });

  it('still greets callers of a number that has no flow', async () => {
    const { channelId, callId } = await placeCall(w, '100');
    await waitEnded(w, callId);
    expect(w.heard.get(channelId)).toEqual(['sound:hello-world']);
    expect(await stepsOf(w, callId)).toEqual([]);
  });
});
