// A CRM developer's first hour, through the TypeScript client only: the README's example
// run exactly as printed, then click-to-dial with a retried Idempotency-Key, the live
// stream surviving a cut connection, a blind transfer, a typed conflict and the CDR that
// names the transfer's target. Every event the service writes is checked against its schema.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConflictError, CtiBridge, CtiBridgeError, NotFoundError, OPERATIONS, RateLimitedError, UnauthorizedError, isEvent, type AnyEvent, type OperationId } from '../../client/src/index.js';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv } from '../helpers/service.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

process.env.EVENT_SCHEMA_CHECK = '1';

let t: TestDatabase;
let sim: Simulator;
let service: Service;
let crm: Receiver;
let key: string;
let cti: CtiBridge;

beforeAll(async () => {
  t = await createTestDatabase();
  // Phones ring 2 simulated seconds before they answer: 100 ms here.
  sim = await startSimulator({ speed: 20 });
  crm = await startReceiver();
  service = await startService(loadConfig(serviceEnv(sim, t.url, uniquePrefix('integrator'), { LOG_LEVEL: 'silent', AUTH_FAILURES_PER_MINUTE: '2' })), createLogger('silent'));
  key = (await createApiKey(service.db, { name: 'crm', scopes: ['calls:read', 'calls:write', 'webhooks:read', 'webhooks:write', 'events:read', 'cdrs:read'] })).key;
  cti = new CtiBridge({ baseUrl: service.url, apiKey: key });
  await waitFor('ARI connected', () => service.nodes[0]!.ariClient?.state === 'connected');
}, 60_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await service?.stop();
  await sim?.close();
  await crm?.close();
  await t?.drop();
});

describe('the README’s client example', () => {
  it('is the file the type check compiles, word for word', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /## The TypeScript client[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const file = readFileSync(new URL('../../client/examples/quickstart.ts', import.meta.url), 'utf8');
    expect(block, 'the README names the client from the repository root').toBe(file.replace("from '../src/index.js'", "from './client/src/index.js'"));
  });

  it('runs as printed: lists live calls, dials, transfers on answer, hangs up, prints the CDR; its webhook check takes what arrives', async () => {
    const said: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void said.push(args.map(String).join(' ')));
    process.env.CTI_URL = service.url;
    process.env.CTI_KEY = key;
    process.env.CRM_HOOK_URL = crm.url;
    const example = (await import('../../client/examples/quickstart.js')) as { onWebhook: (h: Record<string, string>, body: string) => AnyEvent };
    vi.mocked(console.log).mockRestore();

    const cdrLine = said.find((l) => l.startsWith('CDR '));
    expect(cdrLine, said.join('\n')).toMatch(/^CDR [0-9a-f-]{36} answered \d+$/);
    expect(said.at(-1)).toMatch(/cdr/i);
    const cdrId = cdrLine!.split(' ')[1]!;
    const cdr = await cti.request('GET /v1/cdrs/{id}', { params: { id: cdrId } });
    expect(cdr.transfers).toEqual([expect.objectContaining({ mode: 'blind', to: { extension: '1002' } })]);

    await crm.waitFor((all) => all.some((r) => r.json.type === 'cdr.created'));
    for (const r of crm.received) {
      const event = example.onWebhook(r.headers as Record<string, string>, r.body);
      expect(['call.ended', 'cdr.created']).toContain(event.type);
    }
    expect(() => example.onWebhook(crm.received[0]!.headers as Record<string, string>, crm.received[0]!.body.replace('"', ' "'))).toThrow();
  }, 60_000);
});

describe('a CRM integration through the client', () => {
  let proxy: TcpProxy;
  afterAll(async () => proxy?.close());

  it('dials once for a retried key, keeps its stream through a cut, transfers, and reads the CDR with the target', async () => {
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(service.url).port));
    // The stream goes through a link that the test cuts; requests go straight.
    const viaLink = new CtiBridge({ baseUrl: `http://127.0.0.1:${proxy.port}`, apiKey: key });
    const start = await cti.latestCursor();
    const stream = viaLink.stream({ after: start, types: ['call.*', 'cdr.created'], minDelayMs: 50 });
    const got: Array<AnyEvent & { sequence?: number }> = [];
    const reading = (async () => {
      for await (const e of stream) {
        got.push(e);
        if (e.type === 'cdr.created') return;
      }
    })();

    const body = { extension: '1001', to: '0612345678', data: { ticket: 'T-9' } };
    const call = await cti.request('POST /v1/calls', { body, idempotencyKey: 'crm-task-9' });
    const again = await cti.request('POST /v1/calls', { body, idempotencyKey: 'crm-task-9' });
    expect(again.id).toBe(call.id);

    await waitFor('the answer on the stream', () => got.some((e) => e.type === 'call.answered' && e.callId === call.id));
    proxy.cut();
    // Made while the stream is down: it must still arrive, once, after the reconnect.
    await cti.request('POST /v1/calls/{id}/hold', { params: { id: call.id } });
    const twice = await cti.request('POST /v1/calls/{id}/hold', { params: { id: call.id } }).catch((e) => e);
    expect(twice).toBeInstanceOf(ConflictError);
    await cti.request('POST /v1/calls/{id}/unhold', { params: { id: call.id } });
    proxy.restore();

    const transfer = await cti.request('POST /v1/calls/{id}/transfers', { params: { id: call.id }, body: { to: { extension: '1002' }, mode: 'blind' } });
    await waitFor('the transfer completed', async () => (await cti.request('GET /v1/transfers/{id}', { params: { id: transfer.id } })).state === 'completed');
    await cti.request('POST /v1/calls/{id}/hangup', { params: { id: call.id } });
    await reading;
    stream.close();

    const mine = got.filter((e) => e.callId === call.id);
    expect(mine.map((e) => e.type)).toEqual([
      'call.created',
      'call.answered',
      'call.held',
      'call.resumed',
      'call.transfer_started',
      'call.transfer_completed',
      'call.ended',
      'cdr.created',
    ]);
    // What the journal has after the start cursor, the stream gave: each once, in order.
    const journal = [];
    for await (const e of cti.journal({ after: start, types: ['call.*', 'cdr.created'] })) journal.push(e.sequence);
    expect(got.map((e) => e.sequence)).toEqual(journal);

    const ended = mine.find((e) => e.type === 'call.ended')!;
    expect(isEvent(ended, 'call.ended') && ended.data.data).toMatchObject({ ticket: 'T-9' });
    const cdrEvent = mine.at(-1)!;
    if (!isEvent(cdrEvent, 'cdr.created')) throw new Error('the last event is the CDR');
    const cdr = await cti.request('GET /v1/cdrs/{id}', { params: { id: cdrEvent.data.cdrId } });
    expect(cdr.callId).toBe(call.id);
    expect(cdr.transfers).toEqual([expect.objectContaining({ id: transfer.id, to: { extension: '1002' } })]);
    // The typed detail drops nothing the CDR stored.
    const stored = (await t.db.query('SELECT detail FROM cdrs WHERE id = $1', [cdr.id])).rows[0].detail;
    expect({ legs: cdr.legs, agents: cdr.agents, transfers: cdr.transfers, conferences: cdr.conferences }).toEqual({
      legs: stored.legs ?? [],
      agents: stored.agents ?? [],
      transfers: stored.transfers ?? [],
      conferences: stored.conferences ?? [],
    });
    expect(cdr.legs.length).toBeGreaterThan(0);
    const listed = [];
    for await (const c of cti.paginate('GET /v1/cdrs', { query: { callId: call.id } })) listed.push(c.id);
    expect(listed).toEqual([cdr.id]);
    const csv = await cti.request('GET /v1/cdrs/export.csv', { query: { callId: call.id } });
    expect(typeof csv).toBe('string');
    expect(csv.split('\n').filter((l) => l.includes(cdr.id))).toHaveLength(1);
  }, 90_000);
});

describe('every resource through the client', () => {
  it('reads every collection and answers every unknown id with a typed NotFoundError', async () => {
    const admin = new CtiBridge({ baseUrl: service.url, apiKey: (await createApiKey(service.db, { name: 'ops', scopes: ['admin'] })).key });
    const doc = (await (await fetch(`${service.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string; required?: boolean; schema?: { format?: string; pattern?: string; type?: string } }>; responses: Record<string, unknown> }>>;
    };
    const failed: string[] = [];
    let collections = 0;
    let single = 0;
    for (const id of Object.keys(OPERATIONS) as OperationId[]) {
      const { method, path } = OPERATIONS[id];
      const op = doc.paths[path]?.[method.toLowerCase()];
      if (method !== 'GET' || !op || op.responses['426']) continue; // WebSocket upgrades are the stream's
      const params = op.parameters ?? [];
      if (params.some((p) => p.in === 'query' && p.required)) continue; // reports: a range is required
      const pathParams = params.filter((p) => p.in === 'path');
      if (pathParams.length === 0) {
        collections++;
        await admin.request(id, {} as never).catch((e: unknown) => failed.push(`${id}: ${e instanceof Error ? e.message : String(e)}`));
        continue;
      }
      if (!op.responses['404']) continue;
      single++;
      const values = Object.fromEntries(
        pathParams.map((p) => [p.name, p.schema?.format === 'uuid' ? '00000000-0000-4000-8000-000000000000' : p.schema?.type === 'integer' ? 999 : ['missing1', '999', 'MISSING1'].find((v) => !p.schema?.pattern || new RegExp(p.schema.pattern).test(v))]),
      );
      const answer = await admin.request(id, { params: values } as never).then(
        () => 'an answer',
        (e: unknown) => e,
      );
      if (!(answer instanceof NotFoundError)) failed.push(`${id}: ${answer instanceof CtiBridgeError ? answer.message : String(answer)}`);
    }
    expect(collections).toBeGreaterThan(20);
    expect(single).toBeGreaterThan(20);
    expect(failed).toEqual([]);
  }, 60_000);
});

// Last in the file: it uses up this address's failed authentications for the minute.
describe('a client that is told to wait', () => {
  it('reads Retry-After into RateLimitedError.retryAfterSeconds', async () => {
    const wrong = new CtiBridge({ baseUrl: service.url, apiKey: 'ctb_not_a_key_at_all_0000000000000000' });
    const answers: unknown[] = [];
    for (let i = 0; i < 3; i++) answers.push(await wrong.request('GET /v1/calls', {}).catch((e) => e));
    expect(answers[0]).toBeInstanceOf(UnauthorizedError);
    const limited = answers.at(-1) as RateLimitedError;
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited.retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.retryAfterSeconds).toBeLessThanOrEqual(60);
  });
});
