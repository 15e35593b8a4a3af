// Executes an IVR `http` command: a CRM lookup on behalf of a caller. The answer is
// turned into the IvrEvent the interpreter expects; every failure (refused, slow, 5xx,
// not JSON, a redirect) becomes an `error` or `timeout` outcome so the flow takes its
// error branch instead of leaving the caller in silence. Secrets are sent as headers by
// name and never appear in the outcome detail or in logs.
import { Agent, fetch, type Response } from 'undici';
import type { IvrSecret } from '../config.js';
import { guardedConnector, hostOf, type Resolver, type TargetPolicy } from '../events/target.js';
import { inSpan, traceHeaders } from '../tracing/tracer.js';
import type { IvrCommand, IvrEvent } from './contract.js';

export type HttpCommand = Extract<IvrCommand, { type: 'http' }>;

/** A CRM answer bigger than this is not a lookup result: refused as an error. */
export const MAX_LOOKUP_BYTES = 256 * 1024;

/**
 * What a flow author learns when no answer came: a target the policy refuses and a host
 * that does not answer read the same, so the node cannot be used to map the network.
 */
export const UNREACHABLE = 'refused by policy or unreachable';

export interface LookupOptions {
  /** Configured secrets by name (IVR_SECRETS), each with the hosts it may go to. */
  secrets: Readonly<Record<string, IvrSecret>>;
  /** Which targets beyond public addresses may be reached (OUTBOUND_ALLOW_HOSTS). */
  policy: TargetPolicy;
  resolve?: Resolver;
}

export interface CrmLookups {
  /** One lookup; `signal` is aborted when the caller hangs up, abandoning it at once. */
  run(cmd: HttpCommand, signal?: AbortSignal): Promise<IvrEvent>;
  close(): Promise<void>;
}

export function createLookups(opts: LookupOptions): CrmLookups {
  // Every connection goes through the target guard at connect time, IP literals and
  // resolved names alike, so what was checked is what is reached.
  const agent = new Agent({ connect: guardedConnector(opts.policy, 10_000, opts.resolve), keepAliveTimeout: 10_000 });
  return {
    run: (cmd, signal) =>
      inSpan('CRM lookup', { kind: 'client', attributes: { 'http.request.method': cmd.method, 'server.address': hostForSpan(cmd.url) } }, async (span) => {
        const result = await runLookup(agent, opts.secrets, cmd, signal);
        if (result.type === 'http_result' && result.outcome !== 'ok') span.fail(result.detail);
        return result;
      }),
    close: () => agent.close().catch(() => undefined),
  };
}

function hostForSpan(raw: string): string {
  try {
    return new URL(raw).host;
  } catch {
    return 'invalid';
  }
}

/** The outcome of a lookup where no client is configured. */
export function noLookups(cmd: HttpCommand): IvrEvent {
  return { type: 'http_result', requestId: cmd.requestId, outcome: 'error', detail: UNREACHABLE };
}

/** A secret goes only to the hosts it is configured for: host, or host:port. */
function secretMayGo(secret: IvrSecret, url: URL): boolean {
  const host = hostOf(url).toLowerCase();
  return secret.hosts.some((h) => h === host || h === url.host.toLowerCase());
}

async function runLookup(agent: Agent, secrets: LookupOptions['secrets'], cmd: HttpCommand, hangup?: AbortSignal): Promise<IvrEvent> {
  const error = (detail: string): IvrEvent => ({ type: 'http_result', requestId: cmd.requestId, outcome: 'error', detail });
  let url: URL;
  try {
    url = new URL(cmd.url);
  } catch {
    return error('invalid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return error(`unsupported URL scheme ${url.protocol}`);
  if (url.username || url.password) return error('URL must not contain credentials');

  const headers: Record<string, string> = { accept: 'application/json', ...traceHeaders() };
  for (const [header, secretName] of Object.entries(cmd.secretHeaders)) {
    const secret = secrets[secretName];
    if (secret === undefined) return error(`secret ${secretName} is not configured`);
    if (!secretMayGo(secret, url)) return error(`secret ${secretName} may not be sent to ${url.host}`);
    headers[header.toLowerCase()] = secret.value;
  }
  let body: string | undefined;
  if (cmd.method === 'POST') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(cmd.body ?? {});
  }

  const timeout = AbortSignal.timeout(Math.max(1, cmd.timeoutMs));
  const signal = hangup ? AbortSignal.any([timeout, hangup]) : timeout;
  try {
    const res = await fetch(url, { method: cmd.method, headers, body, signal, redirect: 'manual', dispatcher: agent });
    if (res.status >= 300) {
      // Drain nothing: the body of an error page is of no use and may be large.
      await res.body?.cancel().catch(() => undefined);
      return error(res.status < 400 ? `redirect (${res.status}) not followed` : `status ${res.status}`);
    }
    const text = await readLimited(res, MAX_LOOKUP_BYTES);
    if (text === undefined) return error(`answer larger than ${MAX_LOOKUP_BYTES} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return error('answer is not JSON');
    }
    return { type: 'http_result', requestId: cmd.requestId, outcome: 'ok', status: res.status, body: parsed };
  } catch {
    if (timeout.aborted) {
      return { type: 'http_result', requestId: cmd.requestId, outcome: 'timeout', detail: `no answer within ${cmd.timeoutMs} ms` };
    }
    if (hangup?.aborted) return error('abandoned: the caller hung up');
    return error(UNREACHABLE);
  }
}

async function readLimited(res: Response, limit: number): Promise<string | undefined> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
