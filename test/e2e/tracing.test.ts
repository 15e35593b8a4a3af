// One trace from an API client to the PBX and on to a webhook receiver, across two
// instances: the client sends a W3C traceparent to instance B, which does not own the PBX
// node; B forwards click-to-dial over the command bus to A, which originates over ARI.
// Both instances export their spans over OTLP/HTTP to a collector stand-in, and every
// span must name the right parent; the webhook for the call carries the same trace.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, waitForNodeOwner } from '../helpers/service.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  service: string;
}

let t: TestDatabase;
let sim: Simulator;
let a: ChildProcess | undefined;
let b: Service | undefined;
let key: string;
let collector: Server;
let webhooks: Receiver;
let crm: Receiver;
const spans: OtlpSpan[] = [];
const paths: string[] = [];
const redis = new Redis(TEST_REDIS_URL);
const prefix = uniquePrefix('trace');

async function startCollector(): Promise<string> {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
      };
      for (const rs of body.resourceSpans) {
        const service = rs.resource.attributes.find((x) => x.key === 'service.instance.id')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
}

const env = (instance: string, endpoint: string, extra: Record<string, string> = {}) =>
  serviceEnv(sim, t.url, prefix, {
    LEASE_TTL_MS: '60000',
    INSTANCE_ID: instance,
    LOG_LEVEL: 'silent',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    CONNECTORS: JSON.stringify([{ id: 'crm', url: crm.url, events: ['call.created'] }]),
    ...extra,
  });

beforeAll(async () => {
  t = await createTestDatabase();
  sim = await startSimulator({ speed: 20 });
  webhooks = await startReceiver();
  crm = await startReceiver();
  const endpoint = await startCollector();
  a = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: { ...process.env, ...env('instance-a', endpoint) }, stdio: 'ignore' });
  await waitForNodeOwner(redis, prefix, 'instance-a');
  b = await startService(loadConfig(env('instance-b', endpoint)), createLogger('silent'));
  key = (await createApiKey(b.db, { name: 'crm', scopes: ['admin'] })).key;
}, 90_000);

afterAll(async () => {
  a?.kill('SIGKILL');
  await b?.stop();
  await sim?.close();
  await webhooks?.close();
  await crm?.close();
  await new Promise<void>((r) => (collector ? collector.close(() => r()) : r()));
  await redis.quit();
  await t?.drop();
});

const inTrace = () => spans.filter((s) => s.traceId === TRACE);
const childrenOf = (parent: OtlpSpan) => inTrace().filter((s) => s.parentSpanId === parent.spanId);

describe('a trace across API -> command bus -> ARI', () => {
  it('continues the caller traceparent through both instances with parent/child ids right', async () => {
    const hook = await fetch(`${b!.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: webhooks.url, eventTypes: ['call.created'] }),
    });
    expect(hook.status).toBe(201);

    const res = await fetch(`${b!.url}/v1/calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', traceparent: `00-${TRACE}-${CLIENT_SPAN}-01` },
      body: JSON.stringify({ extension: '1001', to: '0612345678' }),
    });
    expect(res.status).toBe(201);
    expect(b!.nodes[0]!.isOwner).toBe(false);

    // B: the request's server span, a child of the client's span.
    const server = await waitFor('B to export the request span', () =>
      inTrace().find((s) => s.name === 'POST /v1/calls' && s.service === 'instance-b'),
    );
    expect(server.parentSpanId).toBe(CLIENT_SPAN);
    expect(server.kind).toBe(2);
    expect(server.attributes).toContainEqual({ key: 'http.response.status_code', value: { intValue: '201' } });
    // B: the command sent over the bus, under the request.
    const sent = await waitFor('B to export the command span', () => childrenOf(server).find((s) => s.name === 'command dial' && s.kind === 3));
    expect(sent.service).toBe('instance-b');
    // A: the command run by the owner, under B's span, although it crossed Redis.
    const ran = await waitFor('A to export the command span', () => childrenOf(sent).find((s) => s.name === 'command dial' && s.kind === 2));
    expect(ran.service).toBe('instance-a');
    // A: the ARI originate, somewhere under the command it ran.
    const under = (root: OtlpSpan): OtlpSpan[] => childrenOf(root).flatMap((c) => [c, ...under(c)]);
    const ari = await waitFor('A to export the ARI originate', () => under(ran).find((s) => /^ARI POST \/channels/.test(s.name)));
    expect(ari.service).toBe('instance-a');
    expect(ari.kind).toBe(3);
    for (const s of [server, sent, ran, ari]) expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano)).toBe(true);

    // The event the command committed reaches the webhook in the same trace, under a delivery span.
    await webhooks.waitFor((all) => all.some((r) => r.json.type === 'call.created'));
    const delivered = webhooks.received.find((r) => r.json.type === 'call.created')!;
    const header = String(delivered.headers.traceparent);
    expect(header).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    const delivery = await waitFor('the delivery span', () => inTrace().find((s) => s.name === 'webhook delivery'));
    expect(header.split('-')[2]).toBe(delivery.spanId);
    expect(inTrace().some((s) => s.spanId === delivery.parentSpanId)).toBe(true);
    // And the CRM connector's delivery of the same event.
    await crm.waitFor((all) => all.some((r) => r.json.type === 'call.created'));
    const pushed = String(crm.received.find((r) => r.json.type === 'call.created')!.headers.traceparent);
    expect(pushed).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    const connector = await waitFor('the connector delivery span', () => inTrace().find((s) => s.name === 'connector delivery'));
    expect(pushed.split('-')[2]).toBe(connector.spanId);
    expect(connector.kind).toBe(3);
    expect(connector.attributes).toContainEqual({ key: 'cti.delivery.target', value: { stringValue: 'crm' } });
    expect(inTrace().some((s) => s.spanId === connector.parentSpanId)).toBe(true);
    expect(paths.every((p) => p.startsWith('POST /v1/traces application/json'))).toBe(true);
  }, 60_000);

  it('a malformed traceparent starts a new trace instead of failing the request', async () => {
    const res = await fetch(`${b!.url}/v1/calls?limit=1`, { headers: { authorization: `Bearer ${key}`, traceparent: `00-${'0'.repeat(32)}-${CLIENT_SPAN}-01` } });
    expect(res.status).toBe(200);
    const span = await waitFor('the new root span', () => spans.find((s) => s.name === 'GET /v1/calls' && s.service === 'instance-b'));
    expect(span.parentSpanId).toBeUndefined();
    expect(span.traceId).not.toBe('0'.repeat(32));
  });
});
