// OpenTelemetry trace export, read from the standard OTEL_* variables.
import { ConfigError } from './error.js';

/** The variables trace export is read from. */
export interface TracingVars {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_HEADERS?: string;
  OTEL_SERVICE_NAME: string;
  OTEL_TRACES_SAMPLER_ARG: number;
}

export interface TracingConfig {
  url: string;
  headers: Record<string, string>;
  serviceName: string;
  sampleRatio: number;
}

export function parseTracing(env: TracingVars): TracingConfig | undefined {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!url) return undefined;
  const headers: Record<string, string> = {};
  for (const pair of (env.OTEL_EXPORTER_OTLP_HEADERS ?? '').split(',').filter((p) => p.trim())) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq).trim().toLowerCase() : '';
    let value = '';
    try {
      value = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      // reported below
    }
    // Never echo the pair: it usually is a credential.
    if (!/^[a-z0-9-]+$/.test(name) || !value || /[\r\n\0]/.test(value)) {
      throw new ConfigError('OTEL_EXPORTER_OTLP_HEADERS must be key=value pairs separated by commas (values URL-encoded)');
    }
    headers[name] = value;
  }
  return { url, headers, serviceName: env.OTEL_SERVICE_NAME, sampleRatio: env.OTEL_TRACES_SAMPLER_ARG };
}
