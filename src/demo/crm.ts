// A stand-in CRM for the demo: the order hotline flow asks it who is calling and where
// an order is. Callers whose number ends in 7 are VIPs; order numbers decide the status.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const STATUSES = ['new', 'audited', 'picking', 'shipped', 'delivered'];

export async function startDemoCrm(token: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers.authorization !== token) return send(401, { error: 'unauthorized' });
    const url = new URL(req.url ?? '/', 'http://crm');
    if (url.pathname === '/customers') {
      const phone = url.searchParams.get('phone') ?? '';
      return send(200, { name: `Customer ${phone.slice(-4)}`, vip: phone.endsWith('7') });
    }
    const order = /^\/orders\/(\d+)$/.exec(url.pathname);
    if (order) {
      const n = Number(order[1]);
      return send(200, { status: STATUSES[n % STATUSES.length], etaDays: 1 + (n % 3) });
    }
    return send(404, { error: 'not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
