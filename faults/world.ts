// One fault's world: its own database in the suite's Postgres, its own Redis prefix, a
// fresh simulator, one or two service instances, the receivers, and the call centre they
// serve (a queue of agents behind an IVR number, a webhook subscription, a connector).
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createApiKey } from '../src/api/keys.js';
import { createPool, type Db } from '../src/db/pool.js';
import type { Flow } from '../src/ivr/contract.js';
import { publishFlowDocument, putNumber } from '../src/ivr/repository.js';
import { Receiver } from './load.js';
import { freePort, kill, spawnTs, type PostgresProc, type RedisProc } from './procs.js';

export const AGENTS = 20;
export const DID = '500';
export const DIAL_EXTENSIONS = ['1901', '1902', '1903'];
export const CUSTOMER = '0612345678';
const RECEIVER_SLOW_MS = 3_000;
const DELIVERY_TIMEOUT_MS = 2_000;

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export class Sim {
  proc: ChildProcess | undefined;
  constructor(readonly ports: { ari: number; ami: number; control: number }) {}

  get controlUrl(): string {
    return `http://127.0.0.1:${this.ports.control}`;
  }

  async start(): Promise<void> {
    const env = { SIM_ARI_PORT: String(this.ports.ari), SIM_AMI_PORT: String(this.ports.ami), SIM_CONTROL_PORT: String(this.ports.control), LOG_LEVEL: 'warn' };
    this.proc = await spawnTs('src/sim/main.ts', env, 'simulator', /is listening/);
    // Phones answer (agents after 300 ms); they are the PBX's, so a restarted PBX needs them again.
    for (let i = 0; i < AGENTS; i++) await this.phone(String(1801 + i), 300);
    for (const ext of DIAL_EXTENSIONS) await this.phone(ext, 200);
  }

  private async phone(ext: string, answerAfterMs: number): Promise<void> {
    const res = await fetch(`${this.controlUrl}/endpoints/PJSIP/${ext}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ behaviour: 'answer', answerAfterMs }),
    });
    if (!res.ok) throw new Error(`phone ${ext}: ${res.status}`);
  }

  async control(path: string, body: unknown = {}): Promise<void> {
    await fetch(`${this.controlUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  async bridges(): Promise<number> {
    const state = (await (await fetch(`${this.controlUrl}/state`)).json()) as { bridges: unknown[] };
    return state.bridges.length;
  }

  async kill(): Promise<void> {
    await kill(this.proc);
  }
}

export class Instance {
  proc: ChildProcess | undefined;
  constructor(
    readonly id: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.proc = await spawnTs('src/main.ts', { ...this.env, INSTANCE_ID: this.id, PORT: String(this.port) }, `service ${this.id}`);
    await waitFor(`service ${this.id} to answer`, async () => (await fetch(`${this.url}/healthz`)).ok, 120_000);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await kill(this.proc, signal);
  }
}

export interface World {
  db: Db;
  sim: Sim;
  instances: Instance[];
  webhook: Receiver;
  connector: Receiver;
  apiKey: string;
  redis: RedisProc;
  pg: PostgresProc;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startWorld(name: string, redis: RedisProc, pg: PostgresProc, instances: number): Promise<World> {
  const admin = createPool(pg.url, 1);
  const dbName = `faults_${name.replace(/[^a-z0-9]/g, '_')}_${randomBytes(3).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = pg.url.replace(/\/postgres$/, `/${dbName}`);
  const sim = new Sim({ ari: await freePort(), ami: await freePort(), control: await freePort() });
  await sim.start();
  const webhook = new Receiver('webhook-id', RECEIVER_SLOW_MS);
  const connector = new Receiver('idempotency-key', RECEIVER_SLOW_MS);
  await webhook.start();
  await connector.start();
  const env: Record<string, string> = {
    DATABASE_URL: dbUrl,
    DATABASE_POOL_MAX: '10',
    REDIS_URL: redis.url,
    REDIS_PREFIX: `faults-${name}-${randomBytes(3).toString('hex')}`,
    AMI_HOST: '127.0.0.1',
    AMI_PORT: String(sim.ports.ami),
    AMI_SECRET: 'cti-secret',
    ARI_URL: `http://127.0.0.1:${sim.ports.ari}/ari`,
    ARI_PASSWORD: 'cti-secret',
    LEASE_TTL_MS: '5000',
    LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
    OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
    WEBHOOK_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS),
    CONNECTORS: JSON.stringify([{ id: 'crm', url: connector.url, events: ['cdr.created'], timeoutMs: DELIVERY_TIMEOUT_MS, backoffBaseMs: 1000, backoffMaxMs: 5000, maxAttempts: 20 }]),
  };
  const started: Instance[] = [];
  for (let i = 0; i < instances; i++) {
    const inst = new Instance(`${name}-${String.fromCharCode(97 + i)}`, await freePort(), env);
    await inst.start();
    started.push(inst);
  }
  // Calls placed before the owner's ARI app is up would fall back to the dialplan.
  await waitFor('the PBX node driven', async () => {
    const res = await fetch(`${started[0]!.url}/readyz`);
    const body = (await res.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
    return Object.entries(body.checks).some(([name, c]) => name.startsWith('ari:') && c.ok && c.detail === 'connected');
  }, 60_000);
  const db = createPool(dbUrl, 4);
  const apiKey = (await createApiKey(db, { name: 'faults', scopes: ['admin'] })).key;
  const world: World = {
    db,
    sim,
    instances: started,
    webhook,
    connector,
    apiKey,
    redis,
    pg,
    async api(method, path, body) {
      let last: unknown;
      for (const inst of started) {
        try {
          const res = await fetch(`${inst.url}${path}`, {
            method,
            headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
            body: body !== undefined ? JSON.stringify(body) : undefined,
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          return { status: res.status, body: text ? JSON.parse(text) : undefined };
        } catch (err) {
          last = err;
        }
      }
      throw last;
    },
    async close() {
      for (const inst of started) await inst.kill();
      await sim.kill();
      await webhook.close();
      await connector.close();
      await db.end().catch(() => undefined);
    },
  };
  await setUpCentre(world);
  return world;
}

async function must(w: World, method: string, path: string, body?: unknown): Promise<any> {
  const res = await w.api(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function setUpCentre(w: World): Promise<void> {
  await must(w, 'PUT', '/v1/skills/sales', {});
  await must(w, 'POST', '/v1/queues', { id: 'sales', name: 'Sales', skills: { sales: 1 } });
  for (let i = 0; i < AGENTS; i++) {
    const id = `agent-${i + 1}`;
    await must(w, 'POST', '/v1/agents', { id, name: id, endpoint: `PJSIP/${1801 + i}`, skills: { sales: 1 }, ringSeconds: 8, wrapUpSeconds: 1 });
    await must(w, 'POST', `/v1/agents/${id}/state`, { action: 'login' });
    await must(w, 'POST', `/v1/agents/${id}/state`, { action: 'ready' });
  }
  const flow = { id: 'faults', version: 1, name: 'faults', entry: 'mark', nodes: { mark: { type: 'set', values: { source: 'faults' }, next: 'q' }, q: { type: 'queue', queue: 'sales' } } } as unknown as Flow;
  await publishFlowDocument(w.db, flow);
  await putNumber(w.db, { did: DID, flowId: 'faults' });
  await must(w, 'POST', '/v1/webhooks', { url: w.webhook.url, eventTypes: ['call.created', 'call.ended', 'cdr.created'] });
}

/** Every agent's state as the API tells it. */
export async function agentStates(w: World): Promise<Record<string, string>> {
  const res = await w.api('GET', '/v1/agents');
  const items = (res.body?.items ?? res.body ?? []) as Array<{ id: string; state: string }>;
  return Object.fromEntries(items.map((a) => [a.id, a.state]));
}
