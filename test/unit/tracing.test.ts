// W3C traceparent parsing, span parentage through the async context, and the OTLP
// exporter held to the outbound target guard.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { registry } from '../../src/api/metrics.js';
import { loadConfig, redactConfig } from '../../src/config.js';
import { createWebhookSender } from '../../src/events/http-sender.js';
import { createLogger } from '../../src/log.js';
import { formatTraceparent, parseTraceparent } from '../../src/tracing/context.js';
import { OtlpExporter, otlpBody } from '../../src/tracing/otlp-exporter.js';
import { currentTraceparent, inSpan, setSpanSink, startSpan, type FinishedSpan } from '../../src/tracing/tracer.js';

afterEach(() => setSpanSink(undefined));

describe('traceparent', () => {
  it('accepts version 00 and later versions, refuses what the spec refuses', () => {
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(parseTraceparent(tp)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    expect(formatTraceparent(parseTraceparent(tp)!)).toBe(tp);
    expect(parseTraceparent('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-future')?.sampled).toBe(false);
    for (const bad of [
      undefined,
      '',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
      `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01${'x'.repeat(600)}`,
    ]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });
});

describe('spans', () => {
  it('are free and invisible while tracing is off', async () => {
    expect(await inSpan('x', {}, async () => currentTraceparent())).toBeUndefined();
  });

  it('nest through awaits and record failures', async () => {
    const done: FinishedSpan[] = [];
    setSpanSink({ add: (s) => done.push(s) });
    await inSpan('outer', { kind: 'server' }, async (outer) => {
      await new Promise((r) => setTimeout(r, 1));
      await expect(inSpan('inner', { kind: 'client' }, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
      expect(currentTraceparent()).toBe(formatTraceparent(outer.context));
    });
    const [inner, outer] = done;
    expect(inner).toMatchObject({ name: 'inner', kind: 'client', parentSpanId: outer!.context.spanId, error: 'boom' });
    expect(inner!.context.traceId).toBe(outer!.context.traceId);
    expect(outer!.parentSpanId).toBeUndefined();
  });

  it('follow the sampled flag of the parent: an unsampled trace exports nothing but still propagates', async () => {
    const done: FinishedSpan[] = [];
    setSpanSink({ add: (s) => done.push(s) });
    const parent = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')!;
    const tp = await inSpan('x', { parent }, async () => currentTraceparent());
    expect(tp).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
    expect(done).toEqual([]);
  });

  it('become OTLP JSON with hex ids, kinds, nanosecond times and typed attributes', () => {
    const span = { context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), sampled: true }, parentSpanId: 'c'.repeat(16), name: 'n', kind: 'client' as const, start: 1700000000000.5, end: 1700000000001, attributes: { s: 'x', i: 3, f: 0.5, b: true }, error: 'bad' };
    const body = JSON.parse(otlpBody([span], { 'service.name': 'cti-bridge' }));
    const out = body.resourceSpans[0].scopeSpans[0].spans[0];
    expect(out).toMatchObject({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: 'c'.repeat(16), kind: 3, startTimeUnixNano: '1700000000000500000', endTimeUnixNano: '1700000000001000000', status: { code: 2, message: 'bad' } });
    expect(out.attributes).toEqual([
      { key: 's', value: { stringValue: 'x' } },
      { key: 'i', value: { intValue: '3' } },
      { key: 'f', value: { doubleValue: 0.5 } },
      { key: 'b', value: { boolValue: true } },
    ]);
  });
});

describe('the OTLP exporter', () => {
  it('sends through the outbound target guard: a loopback collector not allowed gets nothing and the spans count as dropped', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
    const dropped = async () => (await registry.getSingleMetric('cti_trace_spans_total')!.get()).values.find((v) => v.labels.outcome === 'dropped')?.value ?? 0;
    const before = await dropped();
    const sender = createWebhookSender({ allowHosts: [], timeoutMs: 2000 });
    const exporter = new OtlpExporter({ url, headers: {}, serviceName: 't', serviceInstance: 't', sender, log: createLogger('silent') });
    setSpanSink(exporter);
    startSpan('refused').end();
    await exporter.close();
    await sender.close();
    server.close();
    expect(hits).toBe(0);
    expect((await dropped()) - before).toBe(1);
  });
});

describe('tracing configuration', () => {
  const base = { AMI_SECRET: 'ami-s3cret', ARI_PASSWORD: 'ari-s3cret' };

  it('is off without an endpoint, and reads the OTLP variables when one is set', () => {
    expect(loadConfig(base).tracing).toBeUndefined();
    const c = loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s%3Dcret,tenant=acme', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    expect(c.tracing).toEqual({ url: 'http://collector:4318/v1/traces', headers: { 'x-api-key': 's=cret', tenant: 'acme' }, serviceName: 'cti-bridge', sampleRatio: 0.25 });
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example.com/traces' }).tracing?.url).toBe('https://otel.example.com/traces');
    expect(JSON.stringify(redactConfig(c))).not.toContain('s=cret');
  });

  it('refuses malformed headers without echoing them', () => {
    let message = '';
    try {
      loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: 'topsecretvalue' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/OTEL_EXPORTER_OTLP_HEADERS must be key=value/);
    expect(message).not.toContain('topsecretvalue');
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://c' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
