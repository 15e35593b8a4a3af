// /metrics read before and after traffic, as a Prometheus server would: webhook and
// connector deliveries per target and outcome with their latency, agents by state, and
// the PBX connections' state and reconnects all move; no label carries a receiver's URL.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { waitUntil } from '../helpers/wait.js';

let t: TestDatabase;
let sim: Simulator;
let service: Service;
let key: string;
let webhooks: Receiver;
let crm: Receiver;

beforeAll(async () => {
  t = await createTestDatabase();
  sim = await startSimulator({ speed: 20 });
  webhooks = await startReceiver();
  crm = await startReceiver();
  const connectors = JSON.stringify([{ id: 'crm', url: crm.url, events: ['agent.*'] }]);
  // One attempt per webhook delivery, so a refusing receiver makes a dead letter at once.
  service = await startService(
    loadConfig(serviceEnv(sim, t.url, uniquePrefix('metrics'), { LOG_LEVEL: 'silent', CONNECTORS: connectors, WEBHOOK_MAX_ATTEMPTS: '1' })),
    createLogger('silent'),
  );
  key = (await createApiKey(service.db, { name: 'ops', scopes: ['admin'] })).key;
  await waitUntil(() => service.nodes[0]!.ariClient?.state === 'connected' && service.nodes[0]!.amiClient?.state === 'logged-in', 'AMI and ARI up');
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await sim?.close();
  await webhooks?.close();
  await crm?.close();
  await t?.drop();
});

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

async function scrape(): Promise<string> {
  const res = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return res.text();
}

/** The sample of `name` whose labels include all of `labels`; 0 when there is none yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

describe('/metrics moves with traffic', () => {
  it('shows the pipeline and queues at rest, a live call by its state while it lasts, and a dead letter when a receiver refuses', async () => {
    const rest = await scrape();
    for (const series of ['cti_outbox_backlog', 'cti_outbox_relay_lag_seconds']) expect(rest).toMatch(new RegExp(`^${series} \\d`, 'm'));
    for (const queue of ['events', 'webhooks', 'connector-crm', 'fax']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(rest).toMatch(new RegExp(`^cti_queue_jobs\\{queue="${queue}",state="${state}"\\} \\d`, 'm'));
    }
    expect(sample(rest, 'cti_calls', { state: 'connected' })).toBe(0);

    const call = await api('POST', '/v1/calls', { extension: '1001', to: '0612345678' });
    await waitUntil(async () => sample(await scrape(), 'cti_calls', { state: 'connected' }) === 1, 'the click-to-dial counted as connected');
    await api('POST', `/v1/calls/${call.id}/hangup`);
    await waitUntil(async () => sample(await scrape(), 'cti_calls', { state: 'connected' }) === 0, 'the ended call gone from the gauge');

    const refusing = await startReceiver();
    refusing.respond = () => 500;
    try {
      const dead = sample(rest, 'cti_dead_letters', { kind: 'webhook' });
      await api('POST', '/v1/webhooks', { url: refusing.url, eventTypes: ['agent.state_changed'] });
      await api('POST', '/v1/agents', { id: 'bea', name: 'Bea', endpoint: 'PJSIP/1002', skills: {} });
      await api('POST', '/v1/agents/bea/state', { action: 'login' });
      await waitUntil(async () => sample(await scrape(), 'cti_dead_letters', { kind: 'webhook' }) > dead, 'the refused delivery counted as a dead letter');
      await api('POST', '/v1/agents/bea/state', { action: 'logout' });
    } finally {
      await refusing.close();
    }
  }, 60_000);

  it('counts deliveries per target and outcome with latency, agents by state, PBX reconnects', async () => {
    const before = await scrape();
    const sub = await api('POST', '/v1/webhooks', { url: webhooks.url, eventTypes: ['agent.state_changed'] });
    await api('POST', '/v1/agents', { id: 'ann', name: 'Ann', endpoint: 'PJSIP/1001', skills: {} });
    await api('POST', '/v1/agents/ann/state', { action: 'login' });
    await api('POST', '/v1/agents/ann/state', { action: 'ready' });
    await webhooks.waitFor((all) => all.filter((r) => r.json.type === 'agent.state_changed').length >= 2);
    await crm.waitFor((all) => all.filter((r) => r.json.type === 'agent.state_changed').length >= 2);
    const reconnects = { ami: service.nodes[0]!.amiClient!.stats.reconnects, ari: service.nodes[0]!.ariClient!.stats.reconnects };
    await simControl(sim, '/faults/ami-drop');
    await simControl(sim, '/faults/ari-drop');
    await waitUntil(
      () =>
        service.nodes[0]!.amiClient!.stats.reconnects > reconnects.ami &&
        service.nodes[0]!.ariClient!.stats.reconnects > reconnects.ari &&
        service.nodes[0]!.amiClient!.state === 'logged-in' &&
        service.nodes[0]!.ariClient!.state === 'connected',
      'AMI and ARI back after the drops',
    );

    // The delivery counters and histograms are written after the receiver answered: wait for them.
    let after = '';
    await waitUntil(async () => {
      after = await scrape();
      return sample(after, 'cti_deliveries_total', { kind: 'connector', target: 'crm', outcome: 'delivered' }) >= 2;
    }, 'the connector deliveries counted');
    const webhook = { kind: 'webhook', target: sub.id, outcome: 'delivered' };
    expect(sample(before, 'cti_deliveries_total', webhook)).toBe(0);
    expect(sample(after, 'cti_deliveries_total', webhook)).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'cti_delivery_duration_seconds_count', webhook)).toBe(sample(after, 'cti_deliveries_total', webhook));
    expect(sample(after, 'cti_delivery_duration_seconds_bucket', { ...webhook, le: '+Inf' })).toBe(sample(after, 'cti_deliveries_total', webhook));
    expect(sample(after, 'cti_delivery_duration_seconds_sum', { kind: 'connector', target: 'crm', outcome: 'delivered' })).toBeGreaterThan(0);

    expect(sample(before, 'cti_agents', { state: 'ready' })).toBe(0);
    expect(sample(after, 'cti_agents', { state: 'ready' })).toBe(1);
    expect(sample(after, 'cti_agents', { state: 'on_call' })).toBe(0);
    expect(after).toMatch(/^cti_agents\{state="on_call"\} 0$/m);

    for (const name of ['cti_ami_reconnects', 'cti_ari_reconnects']) {
      expect(sample(after, name, { pbx: 'pbx1' })).toBeGreaterThan(sample(before, name, { pbx: 'pbx1' }));
    }
    expect(sample(after, 'cti_ami_connected', { pbx: 'pbx1' })).toBe(1);
    expect(sample(after, 'cti_ari_connected', { pbx: 'pbx1' })).toBe(1);
    // Targets are ids: neither receiver's address appears in any label.
    expect(after).not.toContain(new URL(webhooks.url).host);
    expect(after).not.toContain(new URL(crm.url).host);
  }, 60_000);
});

describe('/metrics and its documentation', () => {
  it('lists every cti_ series the service exposes in docs/operations.md', async () => {
    const docs = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const names = [...(await scrape()).matchAll(/^# HELP (cti_[a-z0-9_]+) /gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(20);
    // Node's default process metrics are named as a family there.
    const ours = names.filter((n) => !/^cti_(process|nodejs)_/.test(n));
    expect(ours.filter((n) => !docs.includes(`\`${n}`))).toEqual([]);
  });
});
