// Turns tracing on for this process when an OTLP endpoint is configured.
import type { TracingConfig } from '../config.js';
import { createWebhookSender } from '../events/http-sender.js';
import type { TargetPolicy } from '../events/target.js';
import type { Logger } from '../log.js';
import { OtlpExporter } from './otlp-exporter.js';
import { setSpanSink } from './tracer.js';

/** Starts exporting spans; the returned function flushes and turns tracing off again. */
export function startTracing(config: TracingConfig | undefined, policy: TargetPolicy, instanceId: string, log: Logger): () => Promise<void> {
  if (!config) return async () => {};
  const sender = createWebhookSender({ ...policy, timeoutMs: 10_000, connections: 2 });
  const exporter = new OtlpExporter({ url: config.url, headers: config.headers, serviceName: config.serviceName, serviceInstance: instanceId, sender, log });
  setSpanSink(exporter, config.sampleRatio);
  log.info({ url: config.url, sampleRatio: config.sampleRatio }, 'tracing: spans exported over OTLP/HTTP');
  return async () => {
    setSpanSink(undefined);
    await exporter.close();
    await sender.close();
  };
}
