// Executes an IVR `http` command: a CRM lookup on behalf of a caller. The answer is
// turned into the IvrEvent the interpreter expects; every failure (refused, slow, 5xx,
// not JSON, a redirect) becomes an `error` or `timeout` outcome so the flow takes its
// error branch instead of leaving the caller in silence. Secrets are sent as headers by
// name and never appear in the outcome detail or in logs.
import type { IvrCommand, IvrEvent } from './contract.js';

export type HttpCommand = Extract<IvrCommand, { type: 'http' }>;

/** A CRM answer bigger than this is not a lookup result: refused as an error. */
export const MAX_LOOKUP_BYTES = 256 * 1024;

export interface LookupOptions {
  /** Configured secrets by name (IVR_SECRETS). */
  secrets: Readonly<Record<string, string>>;
  /** Aborted when the caller hangs up: the lookup is abandoned at once. */
  signal?: AbortSignal;
}

export async function runLookup(cmd: HttpCommand, opts: LookupOptions): Promise<IvrEvent> {
  const error = (detail: string): IvrEvent => ({ type: 'http_result', requestId: cmd.requestId, outcome: 'error', detail });
  let url: URL;
  try {
    url = new URL(cmd.url);
  } catch {
    return error('invalid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return error(`unsupported URL scheme ${url.protocol}`);

  const headers: Record<string, string> = { accept: 'application/json' };
  for (const [header, secretName] of Object.entries(cmd.secretHeaders)) {
    const value = opts.secrets[secretName];
    if (value === undefined) return error(`secret ${secretName} is not configured`);
    headers[header.toLowerCase()] = value;
  }
  let body: string | undefined;
  if (cmd.method === 'POST') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(cmd.body ?? {});
  }

  const timeout = AbortSignal.timeout(Math.max(1, cmd.timeoutMs));
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  try {
    const res = await fetch(url, { method: cmd.method, headers, body, signal, redirect: 'manual' });
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
  } catch (err) {
    if (timeout.aborted) {
      return { type: 'http_result', requestId: cmd.requestId, outcome: 'timeout', detail: `no answer within ${cmd.timeoutMs} ms` };
    }
    if (opts.signal?.aborted) return error('abandoned: the caller hung up');
    return error(describeNetworkError(err));
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

/** undici hides the socket error in `cause`; report its code, never a header or body. */
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `network error ${cause.code}`;
  return 'network error';
}
