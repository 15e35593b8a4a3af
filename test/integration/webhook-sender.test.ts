// The webhook sender against real loopback receivers that misbehave: it makes exactly
// one request, never follows a redirect, bounds the whole exchange (waiting for a
// connection included) and keeps the status of a receiver that answered but dawdles
// over its body.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookSender, NOT_SENT, type WebhookSender } from '../../src/events/http-sender.js';

interface Receiver {
  url: string;
  /** Bodies of the requests that reached the receiver, in order. */
  bodies: string[];
  close(): Promise<void>;
}

const open: Receiver[] = [];
const senders: WebhookSender[] = [];

async function startReceiver(answer: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<Receiver> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      answer(req, res, bodies.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  open.push(receiver);
  return receiver;
}

function sender(timeoutMs: number, connections = 4): WebhookSender {
  const s = createWebhookSender({ allowHosts: ['127.0.0.1'], timeoutMs, connections });
  senders.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

describe('webhook sender', () => {
  it('posts the body as given with the signing headers and reports the status', async () => {
    let seen: IncomingMessage | undefined;
    const r = await startReceiver((req, res) => {
      seen = req;
      res.writeHead(204).end();
    });
    const body = '{"id":"e1","data":{"note":"Grüße"}}';
    const result = await sender(2_000).send(r.url + '?via=test', { 'webhook-id': 'e1' }, body);
    expect(result.statusCode).toBe(204);
    expect(result.error).toBeUndefined();
    expect(r.bodies).toEqual([body]);
    expect(seen?.headers['webhook-id']).toBe('e1');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.url).toBe('/hook?via=test');
  });

  it("sends each header once: the caller's user-agent and content-type replace the defaults", async () => {
    const seen: IncomingMessage[] = [];
    const r = await startReceiver((req, res) => {
      seen.push(req);
      res.writeHead(204).end();
    });
    const s = sender(2_000);
    await s.send(r.url, { 'user-agent': 'cti-bridge-otlp/1', 'content-type': 'application/x-protobuf', 'x-extra': 'a' }, '{}');
    await s.send(r.url, {}, '{}');
    const named = (req: IncomingMessage, name: string) => req.rawHeaders.filter((_v, i) => i % 2 === 0 && req.rawHeaders[i]!.toLowerCase() === name).length;
    expect(named(seen[0]!, 'user-agent')).toBe(1);
    expect(named(seen[0]!, 'content-type')).toBe(1);
    expect(seen[0]!.headers['user-agent']).toBe('cti-bridge-otlp/1');
    expect(seen[0]!.headers['content-type']).toBe('application/x-protobuf');
    expect(seen[0]!.headers['x-extra']).toBe('a');
    expect(seen[1]!.headers['user-agent']).toBe('cti-bridge-webhooks/1');
    expect(seen[1]!.headers['content-type']).toBe('application/json');
  });

  it('does not follow a redirect: the 302 is the result and the target is never asked', async () => {
    const target = await startReceiver((_req, res) => res.writeHead(200).end());
    const r = await startReceiver((_req, res) => res.writeHead(302, { location: target.url }).end());
    const result = await sender(2_000).send(r.url, {}, '{}');
    expect(result.statusCode).toBe(302);
    expect(target.bodies).toEqual([]);
  });

  it('times out a receiver that never answers', async () => {
    const r = await startReceiver(() => {
      /* never answers */
    });
    const result = await sender(300).send(r.url, {}, '{"n":1}');
    expect(result).toMatchObject({ error: 'timeout' });
    expect(result.statusCode).toBeUndefined();
  });

  it('answers not sent for a request still waiting for a connection, and never sends it', async () => {
    const r = await startReceiver((_req, res, n) => {
      // The first request holds the only connection past the deadline.
      if (n > 1) res.writeHead(200).end();
    });
    const s = sender(300, 1);
    const [first, second] = await Promise.all([s.send(r.url, {}, '{"n":1}'), s.send(r.url, {}, '{"n":2}')]);
    expect(first).toMatchObject({ error: 'timeout' });
    // The first frees the only connection when its own deadline passes, a few ms before the
    // second's: on a busy machine the second may still get it in time. Either way the
    // result tells the truth: not sent means the receiver never saw it.
    // At the very edge it gets the connection at its last moment and is sent, but the
    // answer comes after its deadline: a timeout, which (unlike not sent) may have arrived.
    if (second.statusCode === 200) expect(r.bodies).toContain('{"n":2}');
    else if (second.error === 'timeout') expect(second.durationMs).toBeGreaterThanOrEqual(300);
    else expect(second).toMatchObject({ error: NOT_SENT });
    // An abandoned request is cut when its turn comes, not written late.
    const third = await s.send(r.url, {}, '{"n":3}');
    expect(third.statusCode).toBe(200);
    expect(r.bodies[0]).toBe('{"n":1}');
    expect(r.bodies.at(-1)).toBe('{"n":3}');
    const secondArrived = second.statusCode === 200 || (second.error === 'timeout' && r.bodies.includes('{"n":2}'));
    expect(r.bodies).toEqual(secondArrived ? ['{"n":1}', '{"n":2}', '{"n":3}'] : ['{"n":1}', '{"n":3}']);
  });

  it('keeps the status of a receiver that answered but drips its body past the deadline', async () => {
    const timers: NodeJS.Timeout[] = [];
    const r = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('a');
      timers.push(setInterval(() => res.write('a'), 50));
    });
    try {
      const result = await sender(300).send(r.url, {}, '{}');
      expect(result.statusCode).toBe(200);
    } finally {
      timers.forEach(clearInterval);
    }
  });

  it('stops reading an oversized response body and keeps its status', async () => {
    const r = await startReceiver((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(Buffer.alloc(1024 * 1024, 'x'));
    });
    const result = await sender(5_000).send(r.url, {}, '{}');
    expect(result.statusCode).toBe(500);
  });

  it('reports a refused connection as an error, not a status', async () => {
    const r = await startReceiver((_req, res) => res.end());
    const url = r.url;
    await r.close();
    open.splice(open.indexOf(r), 1);
    const result = await sender(2_000).send(url, {}, '{}');
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('refuses a private target before connecting when private targets are not allowed', async () => {
    const r = await startReceiver((_req, res) => res.writeHead(200).end());
    const s = createWebhookSender({ allowHosts: [], timeoutMs: 2_000 });
    senders.push(s);
    const result = await s.send(r.url, {}, '{}');
    expect(result.error).toMatch(/target refused.*loopback/);
    expect(r.bodies).toEqual([]);
  });

  it('refuses disguised loopback and reserved literals at connect time, and reaches only what the allow-list names', async () => {
    const r = await startReceiver((_req, res) => res.writeHead(200).end());
    const port = new URL(r.url).port;
    const s = createWebhookSender({ allowHosts: [], timeoutMs: 2_000 });
    senders.push(s);
    for (const [url, why] of [
      [`http://[::127.0.0.1]:${port}/`, /IPv4-compatible/],
      [`http://[64:ff9b::7f00:1]:${port}/`, /NAT64/],
      [`http://[::ffff:127.0.0.1]:${port}/`, /loopback/],
      [`http://198.18.0.1:${port}/`, /benchmarking/],
      [`http://localhost:${port}/`, /loopback/],
    ] as const) {
      expect((await s.send(url, {}, '{}')).error, url).toMatch(why);
    }
    expect(r.bodies).toEqual([]);
    const allowed = createWebhookSender({ allowHosts: ['127.0.0.0/8'], timeoutMs: 2_000 });
    senders.push(allowed);
    expect((await allowed.send(r.url, {}, '{}')).statusCode).toBe(200);
    expect((await allowed.send(`http://[::1]:${port}/`, {}, '{}')).error).toMatch(/loopback/);
  });

  it('rejects a malformed or non-http target without a request', async () => {
    const s = sender(2_000);
    expect((await s.send('not a url', {}, '{}')).error).toMatch(/target refused|not a valid/);
    expect((await s.send('ftp://example.com/x', {}, '{}')).error).toMatch(/scheme ftp/);
  });
});
