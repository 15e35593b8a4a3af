// The demo's webhook receiver: verifies every delivery's signature, as an integrator's
// would, and logs it. It listens on the port of the previous run when it can, so the
// demo's one subscription keeps pointing at it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../events/signing.js';
import type { Logger } from '../log.js';

export interface DemoReceiver {
  url: string;
  port: number;
  secret: string;
  counts: { verified: number; bad: number };
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
}

export async function startDemoReceiver(log: Logger, preferredPort = 0): Promise<DemoReceiver> {
  const receiver: DemoReceiver = {
    url: '',
    port: 0,
    secret: '',
    counts: { verified: 0, bad: 0 },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const ok = receiver.secret !== '' && verifyWebhook(req.headers, body, receiver.secret).ok;
      receiver.counts[ok ? 'verified' : 'bad']++;
      let event: { type?: string; callId?: string } = {};
      try {
        event = JSON.parse(body) as typeof event;
      } catch {
        // logged as it came
      }
      log[ok ? 'info' : 'warn']({ type: event.type, callId: event.callId }, ok ? 'demo receiver: webhook verified' : 'demo receiver: BAD SIGNATURE');
      res.writeHead(ok ? 204 : 401).end();
    });
  });
  if (!(preferredPort > 0 && (await listen(server, preferredPort)))) await listen(server, 0);
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
  return receiver;
}
