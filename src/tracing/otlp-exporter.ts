// OTLP/HTTP JSON export of finished spans (opentelemetry-proto's ExportTraceServiceRequest,
// ids in hex as the JSON mapping requires). Spans are batched and posted in the
// background through the same guarded sender as webhooks, so a collector URL is held
// to the outbound target policy like any other; a collector that is down costs spans,
// never requests: the buffer is bounded and a failed batch is dropped and counted.
import { Counter } from 'prom-client';
import { registry } from '../api/metrics.js';
import type { WebhookSender } from '../events/http-sender.js';
import type { Logger } from '../log.js';
import type { AttributeValue, FinishedSpan, SpanKind, SpanSink } from './tracer.js';

const KIND: Record<SpanKind, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

const spansCounter = new Counter({
  name: 'cti_trace_spans_total',
  help: 'Finished spans by outcome: exported, or dropped (buffer full, collector failed)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export interface OtlpExporterOptions {
  /** The traces endpoint, e.g. http://collector:4318/v1/traces. */
  url: string;
  headers: Record<string, string>;
  serviceName: string;
  serviceInstance: string;
  sender: WebhookSender;
  log: Logger;
  /** Spans kept while waiting to be sent; beyond, new spans are dropped. */
  maxQueue?: number;
  maxBatch?: number;
  intervalMs?: number;
}

const attribute = (key: string, value: AttributeValue) => ({
  key,
  value:
    typeof value === 'string'
      ? { stringValue: value }
      : typeof value === 'boolean'
        ? { boolValue: value }
        : Number.isInteger(value)
          ? { intValue: String(value) }
          : { doubleValue: value },
});

const nanos = (ms: number): string => (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms % 1) * 1e6))).toString();

/** The OTLP JSON body for one batch. */
export function otlpBody(spans: FinishedSpan[], resource: Record<string, string>): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: Object.entries(resource).map(([k, v]) => attribute(k, v)) },
        scopeSpans: [
          {
            scope: { name: 'cti-bridge' },
            spans: spans.map((s) => ({
              traceId: s.context.traceId,
              spanId: s.context.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: KIND[s.kind],
              startTimeUnixNano: nanos(s.start),
              endTimeUnixNano: nanos(s.end),
              attributes: Object.entries(s.attributes).map(([k, v]) => attribute(k, v)),
              status: s.error !== undefined ? { code: 2, message: s.error } : { code: 0 },
            })),
          },
        ],
      },
    ],
  });
}

export class OtlpExporter implements SpanSink {
  private queue: FinishedSpan[] = [];
  private readonly timer: NodeJS.Timeout;
  private sending: Promise<void> | undefined;
  private failing = false;
  private readonly maxQueue: number;
  private readonly maxBatch: number;

  constructor(private readonly o: OtlpExporterOptions) {
    this.maxQueue = o.maxQueue ?? 4096;
    this.maxBatch = o.maxBatch ?? 512;
    this.timer = setInterval(() => void this.flush(), o.intervalMs ?? 1000);
    this.timer.unref();
  }

  add(span: FinishedSpan): void {
    if (this.queue.length >= this.maxQueue) {
      spansCounter.inc({ outcome: 'dropped' });
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.maxBatch) void this.flush();
  }

  /** Sends what is queued, one batch at a time. */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.sending = this.send(batch).finally(() => (this.sending = undefined));
    await this.sending;
    if (this.queue.length > 0) await this.flush();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async send(batch: FinishedSpan[]): Promise<void> {
    const body = otlpBody(batch, { 'service.name': this.o.serviceName, 'service.instance.id': this.o.serviceInstance });
    const result = await this.o.sender.send(this.o.url, { 'user-agent': 'cti-bridge-otlp/1', ...this.o.headers }, body);
    const ok = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
    spansCounter.inc({ outcome: ok ? 'exported' : 'dropped' }, batch.length);
    // One warning per outage: a collector down for an hour must not flood the log.
    if (!ok && !this.failing) this.o.log.warn({ status: result.statusCode, error: result.error }, 'trace export failed; spans dropped until the collector answers');
    if (ok && this.failing) this.o.log.info('trace export works again');
    this.failing = !ok;
  }
}
