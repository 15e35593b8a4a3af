// POST /v1/flows/{id}/simulate over real HTTP on a real Postgres: a scripted caller
// walks stored flows with no PBX.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../src/ivr/contract.js';
import { DEMO_FLOW } from '../../src/ivr/demo-flow.js';
import { publishFlowDocument, publishedFlowForNumber, putNumber } from '../../src/ivr/repository.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { keyWith } from './api-fixtures.js';
import { startIvrApi, type IvrApi } from './ivr-fixtures.js';

let t: TestDatabase;
let api: IvrApi;
let key: string;

const post = (path: string, body: unknown, k = key) => api.call('POST', path, body, k);

const simulate = (script: unknown[], extra: Record<string, unknown> = {}, flow = 'orders') =>
  post(`/v1/flows/${flow}/simulate`, { vars: { callerNumber: '+4930123456', dnis: '+498001234' }, now: '2026-11-23T10:00:00Z', script, ...extra });

const orders: Flow = {
  id: 'orders',
  version: 1,
  entry: 'main',
  nodes: {
    main: {
      type: 'menu',
      prompt: { media: ['sound:main-menu'] },
      options: { '2': 'number', '0': 'bye' },
      timeoutMs: 5000,
      retries: 2,
      invalidPrompt: { media: ['sound:invalid'] },
      timeoutPrompt: { media: ['sound:no-input'] },
      fallback: 'fallback',
    },
    number: { type: 'collect', prompt: { media: ['sound:enter-order'] }, variable: 'orderNumber', minDigits: 3, maxDigits: 8, next: 'crm' },
    crm: {
      type: 'http',
      method: 'GET',
      url: 'https://crm.example/orders/{{orderNumber}}?from={{callerNumber}}',
      secretHeaders: { authorization: 'crm-token' },
      timeoutMs: 3000,
      map: { orderStatus: '/status' },
      next: 'tell',
      onError: 'crm-down',
      onTimeout: 'crm-slow',
    },
    tell: { type: 'set', values: { lastOrder: '{{orderNumber}}', lastStatus: '{{orderStatus}}' }, next: 'status' },
    status: { type: 'play', prompt: { media: ['sound:your-order-is', 'digits:{{orderNumber}}'] }, next: 'bye' },
    'crm-down': { type: 'play', prompt: { media: ['sound:crm-down'] }, next: 'bye' },
    'crm-slow': { type: 'play', prompt: { media: ['sound:crm-slow'] }, next: 'bye' },
    fallback: { type: 'hangup', prompt: { media: ['sound:no-choice'] } },
    bye: { type: 'hangup', prompt: { media: ['sound:goodbye'] } },
  },
};

const media = (body: { prompts: { media: string[] }[] }) => body.prompts.flatMap((p) => p.media);
const nodes = (body: { path: { node: string }[] }) => body.path.map((s) => s.node);

beforeAll(async () => {
  t = await createTestDatabase();
  api = await startIvrApi(t.db);
  key = await keyWith(t.db, 'flows:write', 'flows:read');
  expect((await post('/v1/flows', { document: orders })).status).toBe(201);
  expect((await post('/v1/flows/orders/versions/1/publish', {})).status).toBe(200);
});
afterAll(async () => {
  await api?.close();
  await t?.drop();
});

describe('POST /v1/flows/{id}/simulate', () => {
  it('a caller presses the right digits: order number, CRM answers, status is said', async () => {
    const res = await simulate([{ dtmf: '2' }, { dtmf: '12345#' }, { http: { status: 200, body: { status: 'shipped' } } }]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ flowId: 'orders', version: 1, ended: 'hangup', scriptUsed: 3 });
    expect(nodes(res.body)).toEqual(['main', 'number', 'crm', 'tell', 'status', 'bye']);
    expect(res.body.path[0]).toMatchObject({ node: 'main', nodeType: 'menu', input: '2', outcome: 'option' });
    expect(res.body.requests).toEqual([
      {
        method: 'GET',
        url: 'https://crm.example/orders/12345?from=%2B4930123456',
        secretHeaders: { authorization: 'crm-token' },
        atMs: 0,
      },
    ]);
    expect(JSON.stringify(res.body)).not.toContain('s3cret');
    expect(res.body.variables).toMatchObject({ orderNumber: '12345', orderStatus: 'shipped', dnis: '+498001234' });
    expect(res.body.data).toEqual({ lastOrder: '12345', lastStatus: 'shipped' });
    expect(media(res.body)).toEqual(['sound:main-menu', 'sound:enter-order', 'sound:your-order-is', 'digits:12345', 'sound:goodbye']);
  });

  it('a caller presses wrong digits: the invalid prompt, then a retry', async () => {
    const res = await simulate([{ dtmf: '7' }, { dtmf: '0' }]);
    expect(res.body.path.slice(0, 2).map((s: { outcome: string; input?: string }) => [s.outcome, s.input])).toEqual([
      ['invalid', '7'],
      ['option', '0'],
    ]);
    expect(media(res.body)).toEqual(['sound:main-menu', 'sound:invalid', 'sound:main-menu', 'sound:goodbye']);
    expect(res.body.ended).toBe('hangup');
  });

  it('a caller presses nothing: timeouts, retries, then the fallback', async () => {
    const res = await simulate([{ wait: 5000 }, { wait: 5000 }, { wait: 5000 }]);
    expect(res.body.path.map((s: { node: string; outcome: string; atMs: number }) => [s.node, s.outcome, s.atMs])).toEqual([
      ['main', 'timeout', 5000],
      ['main', 'timeout', 10000],
      ['main', 'timeout, retries exhausted', 15000],
      ['fallback', 'hangup', 15000],
    ]);
    expect(media(res.body).filter((m: string) => m === 'sound:no-input')).toHaveLength(2);
    expect(media(res.body).at(-1)).toBe('sound:no-choice');
    expect(res.body.ended).toBe('hangup');
  });

  it('a caller hangs up mid-menu', async () => {
    const res = await simulate([{ wait: 2000 }, { hangup: true }]);
    expect(res.body.ended).toBe('caller_hangup');
    expect(res.body.path).toEqual([{ node: 'main', nodeType: 'menu', outcome: 'caller hung up', atMs: 2000 }]);
  });

  it('the CRM answers an error, a 500, or not in time', async () => {
    const head = [{ dtmf: '2' }, { dtmf: '123#' }];
    const down = await simulate([...head, { http: { error: 'connect ECONNREFUSED' } }]);
    expect(nodes(down.body)).toEqual(['main', 'number', 'crm', 'crm-down', 'bye']);
    const fivehundred = await simulate([...head, { http: { status: 500, body: { error: 'boom' } } }]);
    expect(nodes(fivehundred.body)).toContain('crm-down');
    const notJson = await simulate([...head, { http: { status: 200, body: 'not json' } }]);
    expect(nodes(notJson.body)).toContain('crm-down');
    const slow = await simulate([...head, { wait: 3000 }]);
    expect(nodes(slow.body)).toEqual(['main', 'number', 'crm', 'crm-slow', 'bye']);
    expect(slow.body.path[2]).toMatchObject({ outcome: 'timeout', atMs: 3000 });
    const timeout = await simulate([...head, { http: { timeout: true } }]);
    expect(nodes(timeout.body)).toContain('crm-slow');
  });

  it('ends as waiting when the script stops while the flow waits for the CRM', async () => {
    const res = await simulate([{ dtmf: '2' }, { dtmf: '123#' }]);
    expect(res.body.ended).toBe('waiting');
    expect(res.body.scriptUsed).toBe(2);
  });

  it('runs the published version by default, an explicit version on request, else the latest draft', async () => {
    const v2 = { ...orders, nodes: { ...orders.nodes, bye: { type: 'hangup', prompt: { media: ['sound:bye-v2'] } } } } as Flow;
    expect((await post('/v1/flows/orders/versions', { document: v2 })).status).toBe(201);
    expect(media((await simulate([{ dtmf: '0' }])).body).at(-1)).toBe('sound:goodbye');
    const explicit = await simulate([{ dtmf: '0' }], { version: 2 });
    expect(explicit.body.version).toBe(2);
    expect(media(explicit.body).at(-1)).toBe('sound:bye-v2');

    expect((await post('/v1/flows', { document: { ...orders, id: 'drafty' } })).status).toBe(201);
    const draft = await simulate([{ dtmf: '0' }], {}, 'drafty');
    expect(draft.status).toBe(200);
    expect(draft.body.version).toBe(1);
  });

  it('refuses scripts the flow cannot follow (422) and malformed scripts (400)', async () => {
    const nobodyAsked = await simulate([{ dtmf: '0' }, { wait: 1 }]);
    expect(nobodyAsked.body.ended).toBe('hangup');
    const early = await simulate([{ http: { status: 200, body: {} } }]);
    expect(early.status).toBe(422);
    expect(early.body.problems).toEqual([{ pointer: '/script/0', message: expect.stringMatching(/no lookup is pending/) }]);
    expect((await simulate([{ press: '1' }])).status).toBe(400);
    expect((await simulate([{ dtmf: 'x' }])).status).toBe(400);
    expect((await simulate([], { now: 'yesterday' })).status).toBe(400);
    expect((await simulate([], {}, 'no-such-flow')).status).toBe(404);
    expect((await simulate([], { version: 99 })).status).toBe(404);
  });
});

describe('the demo flow', () => {
  it('can be seeded (bypassing save-time checks), mapped and simulated through the order-status path', async () => {
    const stored = await publishFlowDocument(t.db, DEMO_FLOW);
    expect(stored.status).toBe('published');
    await putNumber(t.db, { did: '+498009000', flowId: DEMO_FLOW.id });
    expect((await publishedFlowForNumber(t.db, '+498009000'))?.id).toBe(DEMO_FLOW.id);
    // Monday 18:00 in Shanghai: open. A VIP caller checks an order, asks for sales, and
    // rates the service after the agent hangs up.
    const res = await post(`/v1/flows/${DEMO_FLOW.id}/simulate`, {
      vars: { caller: '+8613800138000', called: '+498009000' },
      now: '2026-11-23T10:00:00Z',
      script: [
        { http: { status: 200, body: { name: 'Ada', vip: true } } },
        { dtmf: '2' },
        { dtmf: '123456#' },
        { wait: 2000 },
        { http: { status: 200, body: { status: 'shipped', etaDays: 2 } } },
        { dtmf: '1' },
        { agentHangup: true },
        { dtmf: '5' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.requests.map((r: { url: string }) => r.url)).toEqual([
      'http://crm.example.invalid/api/customers?phone=%2B8613800138000',
      'http://crm.example.invalid/api/orders/123456',
    ]);
    expect(res.body.data).toMatchObject({ vip: 'true', customer: 'Ada' });
    expect(media(res.body)).toContain('sound:one-moment-please');
    expect(media(res.body)).toEqual(expect.arrayContaining(['digits:123456', 'number:2']));
    expect(res.body.surveyResult).toBe('5');
    expect(res.body.ended).toBe('hangup');
    expect(res.body.handover).toMatchObject({ to: 'queue', node: 'sales-vip', params: expect.objectContaining({ queue: 'sales', priority: 10 }) });
  });
});
