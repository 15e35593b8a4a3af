// A CRM on loopback for IVR lookups: each test decides per request what it answers
// (status, body, delay) and reads back what it was asked, headers included.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CrmRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface CrmAnswer {
  status?: number;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Answer only once this settles: lets a test decide when a slow CRM answers. */
  hold?: Promise<unknown>;
}

export interface Crm {
  url: string;
  requests: CrmRequest[];
  answer: (req: CrmRequest) => CrmAnswer;
  close(): Promise<void>;
}

/** `host`: another loopback address (127.0.0.2) lets a test allow the CRM and nothing else. */
export async function startCrm(host = '127.0.0.1'): Promise<Crm> {
  const pending = new Set<NodeJS.Timeout>();
  const responses = new Set<ServerResponse>();
  const crm: Crm = {
    url: '',
    requests: [],
    answer: () => ({ status: 404, body: { error: 'not found' } }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of pending) clearTimeout(t);
        for (const res of responses) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: CrmRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      crm.requests.push(request);
      const a = crm.answer(request);
      const send = () => {
        responses.delete(res);
        if (res.destroyed) return;
        const body = typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? {});
        res.writeHead(a.status ?? 200, { 'content-type': a.contentType ?? 'application/json', ...(a.headers ?? {}) }).end(body);
      };
      responses.add(res);
      if (a.hold) return void a.hold.then(send, send);
      if (!a.delayMs) return send();
      const t = setTimeout(() => {
        pending.delete(t);
        send();
      }, a.delayMs);
      pending.add(t);
    });
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  crm.url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return crm;
}

/** A loopback URL where nothing listens: a CRM that is down (connection refused). */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
