// The outbound legs of a trace that the end-to-end trace test does not reach: a CRM lookup
// and an AMI action each become a client span under the span they were made in, and the
// lookup hands its own span on to the CRM as `traceparent`. Spans are collected by a sink
// installed in this process, as the OTLP exporter is installed in the service.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmiClient } from '../../src/ami/client.js';
import { createLookups } from '../../src/ivr/http-lookup.js';
import { startAmiServer, type AmiServerHandle } from '../../src/sim/ami-server.js';
import { World } from '../../src/sim/world.js';
import { formatTraceparent, newSpanId, newTraceId } from '../../src/tracing/context.js';
import { runInContext, setSpanSink, type FinishedSpan } from '../../src/tracing/tracer.js';

const finished: FinishedSpan[] = [];
const parent = { traceId: newTraceId(), spanId: newSpanId(), sampled: true };

let crm: Server;
let crmUrl: string;
const crmHeaders: IncomingHttpHeaders[] = [];
let world: World;
let ami: AmiServerHandle;
let client: AmiClient;

beforeAll(async () => {
  setSpanSink({ add: (s) => void finished.push(s) });
  crm = createServer((req, res) => {
    crmHeaders.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"customer":{"vip":true}}');
  });
  await new Promise<void>((r) => crm.listen(0, '127.0.0.1', r));
  crmUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}`;
  world = new World({ speed: 200 });
  ami = await startAmiServer(world, { username: 'cti', secret: 'cti-secret' });
  client = new AmiClient({ host: '127.0.0.1', port: ami.port, username: 'cti', secret: 'cti-secret', pingIntervalMs: 0 });
  const ready = new Promise<void>((r) => client.once('ready', () => r()));
  client.start();
  await ready;
});

afterAll(async () => {
  setSpanSink(undefined);
  await client?.stop();
  await ami?.close();
  world?.close();
  await new Promise<void>((r) => (crm ? crm.close(() => r()) : r()));
});

describe('spans of the outbound requests', () => {
  it('a CRM lookup is a client span under the caller’s span, and the CRM receives it as traceparent', async () => {
    const lookups = createLookups({ secrets: {}, policy: { allowHosts: ['127.0.0.1'] } });
    try {
      const result = await runInContext(parent, () =>
        lookups.run({ type: 'http', requestId: 'r1', method: 'GET', url: `${crmUrl}/callers/%2B4930123`, secretHeaders: {}, timeoutMs: 2000 }),
      );
      expect(result).toMatchObject({ outcome: 'ok' });
    } finally {
      await lookups.close();
    }
    const span = finished.find((s) => s.name === 'CRM lookup');
    expect(span).toMatchObject({ kind: 'client', parentSpanId: parent.spanId, context: { traceId: parent.traceId } });
    expect(span!.attributes).toMatchObject({ 'http.request.method': 'GET', 'server.address': new URL(crmUrl).host });
    expect(span!.error).toBeUndefined();
    expect(crmHeaders.at(-1)!.traceparent).toBe(formatTraceparent(span!.context));
  });

  it('a CRM lookup that fails marks its span failed', async () => {
    const lookups = createLookups({ secrets: {}, policy: { allowHosts: [] } });
    try {
      await runInContext(parent, () => lookups.run({ type: 'http', requestId: 'r2', method: 'GET', url: `${crmUrl}/refused`, secretHeaders: {}, timeoutMs: 2000 }));
    } finally {
      await lookups.close();
    }
    const span = finished.filter((s) => s.name === 'CRM lookup').at(-1)!;
    expect(span.parentSpanId).toBe(parent.spanId);
    expect(span.error).toBeTruthy();
  });

  it('an AMI action is a client span under the span it was sent in', async () => {
    const reply = await runInContext(parent, () => client.action({ Action: 'CoreShowChannels' }));
    expect(reply).toBeDefined();
    const span = finished.find((s) => s.name === 'AMI CoreShowChannels' && s.parentSpanId === parent.spanId);
    expect(span, finished.map((s) => s.name).join(', ')).toMatchObject({ kind: 'client', context: { traceId: parent.traceId }, attributes: { 'cti.ami.action': 'CoreShowChannels' } });
  });
});
