// IVR CRM lookups on live calls against a real HTTP server: up, down (connection
// refused), slow (the filler prompt plays until the answer comes), and too slow (the
// timeout branch). The slow CRM answers when the test releases it, not after a delay,
// so the filler is heard whatever the machine's load.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../src/ivr/contract.js';
import { refusedUrl } from '../helpers/crm.js';
import { waitUntil } from '../helpers/receiver.js';
import { callRow, hangUp, placeCall, publishFlow, sessionOf, sound, startIvrWorld, stepsOf, waitEnded, type IvrWorld } from './ivr-fixture.js';

const lookupFlow = (id: string, baseUrl: string): Omit<Flow, 'version'> => ({
  id,
  entry: 'lookup',
  nodes: {
    lookup: {
      type: 'http',
      method: 'GET',
      url: `${baseUrl}/callers/{{caller}}`,
      map: { orderStatus: '/lastOrder/status' },
      timeoutMs: 1_500,
      filler: { afterMs: 100, prompt: sound('please-wait') },
      next: 'status',
      onError: 'crmError',
      onTimeout: 'crmTimeout',
    },
    status: { type: 'play', prompt: { media: ['sound:cti/status-{{orderStatus}}'] }, next: 'bye' },
    bye: { type: 'hangup', prompt: sound('goodbye') },
    crmError: { type: 'hangup', prompt: sound('crm-error') },
    crmTimeout: { type: 'hangup', prompt: sound('crm-timeout') },
  },
});

describe('IVR CRM lookups on live calls', () => {
  let w: IvrWorld;
  const releases = new Map<string, () => void>();

  beforeAll(async () => {
    w = await startIvrWorld('ivr-crm');
    w.crm.answer = (req) => {
      const caller = decodeURIComponent(req.path.split('/')[2] ?? '');
      const answer = { body: { lastOrder: { status: 'shipped' } } };
      if (caller.endsWith('0001')) return answer;
      // Slow callers: the CRM answers when the test says so (or never).
      return { ...answer, hold: new Promise<void>((resolve) => releases.set(caller, resolve)) };
    };
    await publishFlow(w, lookupFlow('crm-up', w.crm.url), '300');
    await publishFlow(w, lookupFlow('crm-down', await refusedUrl()), '301');
  });

  afterAll(async () => {
    await w?.close();
  });

  it('answers at once when the CRM is up: no filler', async () => {
    const { channelId, callId } = await placeCall(w, '300', '+15550000001');
    await waitEnded(w, callId);
    // The filler was due after 100 ms; whether the CRM beat it depends on the machine,
    // so only the outcome is checked here (the slow case below checks the filler).
    expect((await stepsOf(w, callId)).map((s) => [s.node, s.outcome])).toEqual([
      ['lookup', 'ok'],
      ['status', 'played'],
      ['bye', 'hangup'],
    ]);
    expect(w.heard.get(channelId)?.slice(-2)).toEqual(['sound:cti/status-shipped', 'sound:cti/goodbye']);
  });

  it('plays the filler while a slow CRM thinks, stops it when the answer comes, and goes on', async () => {
    const caller = '+15550000002';
    const { channelId, callId } = await placeCall(w, '300', caller);
    // The filler repeats until the answer: wait until it has been heard twice.
    await waitUntil(() => (w.heard.get(channelId) ?? []).filter((m) => m === 'sound:cti/please-wait').length >= 2, 'the filler to repeat');
    await waitUntil(() => releases.has(caller), 'the CRM to be asked');
    releases.get(caller)!();
    await waitEnded(w, callId);
    const heard = w.heard.get(channelId)!;
    expect(heard.slice(-2)).toEqual(['sound:cti/status-shipped', 'sound:cti/goodbye']);
    expect(heard.slice(0, -2).every((m) => m === 'sound:cti/please-wait')).toBe(true);
    expect((await stepsOf(w, callId)).map((s) => [s.node, s.outcome])).toEqual([
      ['lookup', 'ok'],
      ['status', 'played'],
      ['bye', 'hangup'],
    ]);
  });

  it('takes the timeout branch when the CRM does not answer in time', async () => {
    const { channelId, callId } = await placeCall(w, '300', '+15550000003');
    await waitEnded(w, callId);
    expect((await stepsOf(w, callId)).map((s) => [s.node, s.outcome])).toEqual([
      ['lookup', 'timeout'],
      ['crmTimeout', 'hangup'],
    ]);
    expect(w.heard.get(channelId)).toContain('sound:cti/please-wait');
    expect(w.heard.get(channelId)?.at(-1)).toBe('sound:cti/crm-timeout');
    expect(await callRow(w, callId)).toMatchObject({ state: 'ended', hangup_cause: 16 });
  });

  it('takes the error branch when the CRM is down (connection refused)', async () => {
    const { channelId, callId } = await placeCall(w, '301', '+15550000004');
    await waitEnded(w, callId);
    expect((await stepsOf(w, callId)).map((s) => [s.node, s.outcome])).toEqual([
      ['lookup', 'error: refused by policy or unreachable'],
      ['crmError', 'hangup'],
    ]);
    expect(w.heard.get(channelId)?.at(-1)).toBe('sound:cti/crm-error');
  });

  it('abandons the lookup and its filler when the caller hangs up while waiting', async () => {
    const caller = '+15550000005';
    const { channelId, callId } = await placeCall(w, '300', caller);
    await waitUntil(() => (w.heard.get(channelId) ?? []).includes('sound:cti/please-wait'), 'the filler');
    const session = sessionOf(w, channelId)!;
    await hangUp(w, channelId);
    await waitEnded(w, callId);
    expect(session.timers.size).toBe(0);
    expect((await stepsOf(w, callId)).map((s) => [s.node, s.outcome])).toEqual([['lookup', 'caller hung up']]);
    // A late CRM answer changes nothing for a call that is over.
    releases.get(caller)?.();
    const { rows } = await w.t.db.query("SELECT count(*)::int AS n FROM call_events WHERE call_id = $1 AND type = 'ivr.step'", [callId]);
    expect(rows[0].n).toBe(1);
  });
});

describe('IVR CRM lookups cannot reach what the flow author should not', () => {
  let w: IvrWorld;

  beforeAll(async () => {
    // The service listens on 127.0.0.3; only the CRM's 127.0.0.1 is allowed, as an
    // operator allows an internal CRM and nothing else.
    w = await startIvrWorld('ivr-ssrf', {
      HOST: '127.0.0.3',
      OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
      IVR_SECRETS: JSON.stringify({ 'crm-token': { value: 'Bearer crm-s3cret', hosts: ['127.0.0.1'] } }),
    });
    w.crm.answer = () => ({ body: { lastOrder: { status: 'shipped' } } });
    const port = new URL(w.crm.url).port;
    await publishFlow(w, lookupFlow('own-readyz', `${w.service.url}/readyz?`), '310');
    await publishFlow(w, lookupFlow('metadata', 'http://169.254.169.254/latest/meta-data'), '311');
    const stealing = lookupFlow('steal-secret', `http://localhost:${port}/collect`);
    (stealing.nodes.lookup as unknown as Record<string, unknown>).secretHeaders = { Authorization: 'crm-token' };
    await publishFlow(w, stealing, '312');
  });

  afterAll(async () => {
    await w?.close();
  });

  it.each([
    ['310', "the service's own /readyz"],
    ['311', 'the cloud metadata service'],
  ])('a flow pointed at %s (%s) takes its error branch, told only "refused by policy"', async (did) => {
    const { callId } = await placeCall(w, did, '+15550000011');
    await waitEnded(w, callId);
    expect((await stepsOf(w, callId)).map((s) => [s.node, s.outcome])).toEqual([
      ['lookup', 'error: refused by policy or unreachable'],
      ['crmError', 'hangup'],
    ]);
    const { rows } = await w.t.db.query('SELECT data FROM calls WHERE id = $1', [callId]);
    expect(JSON.stringify(rows[0]?.data ?? {})).not.toMatch(/postgres|redis|checks/);
  });

  it('a flow naming a secret for a host it is not configured for sends nothing', async () => {
    const before = w.crm.requests.length;
    const { callId } = await placeCall(w, '312', '+15550000012');
    await waitEnded(w, callId);
    const steps = (await stepsOf(w, callId)).map((s) => [s.node, s.outcome]);
    expect(steps[0]?.[1]).toMatch(/^error: secret crm-token may not be sent to localhost:/);
    expect(w.crm.requests.length).toBe(before);
  });
});

