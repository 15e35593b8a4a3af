// The steady stream a fault runs under: callers through the IVR into a queue of agents,
// each hanging up after 6–9 s; click-to-dial requests sent twice with one
// Idempotency-Key; and the two receivers (a signed webhook subscriber, a connector
// target) that count every delivery by its id and can be told to fail or be slow.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How long a client keeps sending a request no instance answers. */
const REPLAY_MS = 30_000;

export type ReceiverMode = 'ok' | 'fail' | 'slow';

export class Receiver {
  readonly seen = new Map<string, number>();
  mode: ReceiverMode = 'ok';
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly idHeader: string,
    private readonly slowMs: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = String(req.headers[this.idHeader] ?? '');
        if (this.mode === 'fail') return void res.writeHead(500).end();
        const answer = () => {
          // Counted when answered 2xx: what the receiver would have stored.
          if (id) this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
          res.writeHead(204).end();
        };
        if (this.mode === 'slow') setTimeout(answer, this.slowMs);
        else answer();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

export interface LoadOptions {
  simControlUrl: string;
  /** Service instances; a request goes to the next when one does not answer. */
  serviceUrls: string[];
  apiKey: string;
  did: string;
  callsPerSecond: number;
  dialEveryMs: number;
  dialExtensions: string[];
  customer: string;
}

export class Load {
  /** Caller channels the PBX accepted. */
  readonly callers: string[] = [];
  /** Click-to-dial calls the service accepted. */
  readonly dials: string[] = [];
  /** A replayed Idempotency-Key answered with another call. */
  idempotencyMismatches = 0;
  /** A replayed Idempotency-Key no instance answered below 500 within REPLAY_MS (none up, a store away). */
  replaysUnanswered = 0;
  /** A replayed Idempotency-Key answered with a 4xx. */
  replaysRefused = 0;
  refusedCalls = 0;
  refusedDials = 0;
  /** Why click-to-dials were refused: the status and detail of the answer, or `no answer`. */
  readonly dialRefusals = new Map<string, number>();
  private timers = new Set<NodeJS.Timeout>();
  private pending = new Set<Promise<unknown>>();
  private stopped = false;
  private n = 0;

  constructor(private readonly o: LoadOptions) {}

  start(): void {
    const every = 1000 / this.o.callsPerSecond;
    const tick = () => {
      if (this.stopped) return;
      this.track(this.placeCall());
      this.later(every, tick);
    };
    const dial = () => {
      if (this.stopped) return;
      this.track(this.clickToDial());
      this.later(this.o.dialEveryMs, dial);
    };
    tick();
    this.later(this.o.dialEveryMs / 2, dial);
  }

  /** Stops placing calls and waits for every scheduled hang-up. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  private async sim(path: string, body: unknown): Promise<Response> {
    return fetch(`${this.o.simControlUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
  }

  private async placeCall(): Promise<void> {
    const from = `+1555${String(1_000_000 + (this.n++ % 9_000_000)).padStart(7, '0')}`;
    let channelId: string;
    try {
      const res = await this.sim('/calls', { from, to: this.o.did });
      if (!res.ok) throw new Error(String(res.status));
      channelId = ((await res.json()) as { channelId: string }).channelId;
    } catch {
      this.refusedCalls++;
      return;
    }
    this.callers.push(channelId);
    await this.sleep(6_000 + Math.random() * 3_000);
    await this.sim(`/channels/${encodeURIComponent(channelId)}/hangup`, { cause: 16 }).catch(() => undefined);
  }

  /** A request to whichever instance answers first, in order. */
  private async api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any } | undefined> {
    for (const base of this.o.serviceUrls) {
      try {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.o.apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        if (res.status >= 500) continue;
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      } catch {
        // this instance is down: the next one
      }
    }
    return undefined;
  }

  private async clickToDial(): Promise<void> {
    const key = randomUUID();
    const extension = this.o.dialExtensions[this.n % this.o.dialExtensions.length]!;
    const body = { extension, to: this.o.customer };
    // Unanswered (a timeout, no instance up) the request may still have placed the call:
    // like a client, send it again with the same key until some instance answers.
    const first = await this.untilAnswered(() => this.api('POST', '/v1/calls', body, { 'idempotency-key': key }));
    if (!first || first.status >= 300) {
      this.refusedDials++;
      const why = first ? `${first.status} ${String(first.body?.detail ?? '')}` : 'no answer';
      this.dialRefusals.set(why, (this.dialRefusals.get(why) ?? 0) + 1);
      return;
    }
    const callId = first.body.id as string;
    this.dials.push(callId);
    // A client replays the key until some instance answers, as it would after a timeout.
    const again = await this.untilAnswered(() => this.api('POST', '/v1/calls', body, { 'idempotency-key': key }));
    if (!again) this.replaysUnanswered++;
    else if (again.status >= 300) this.replaysRefused++;
    else if (again.body?.id !== callId) this.idempotencyMismatches++;
    await this.sleep(5_000);
    // The hang-up too is sent again while no instance can take it (503, nobody up): a
    // call the client asked to end must not stay up because a store blinked.
    await this.untilAnswered(() => this.api('POST', `/v1/calls/${callId}/hangup`));
  }

  /** Sends a request again (every second, for at most REPLAY_MS) while no instance answers it below 500. */
  private async untilAnswered(send: () => Promise<{ status: number; body: any } | undefined>): Promise<{ status: number; body: any } | undefined> {
    const until = Date.now() + REPLAY_MS;
    for (;;) {
      const res = await send();
      if (res || Date.now() > until) return res;
      await this.sleep(1_000);
    }
  }
}
