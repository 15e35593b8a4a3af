// The capability plug-in point of a PBX node, against the simulator over real sockets:
// capabilities see ARI events before the inbound handler, and one capability failing its
// resync does not keep the next from resyncing.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AriEvent } from '../../src/ari/types.js';
import { createLogger } from '../../src/log.js';
import type { NodeCapability } from '../../src/pbx/capability.js';
import { PbxNode } from '../../src/pbx/node.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { simControl } from '../helpers/service.js';
import { waitUntil } from '../helpers/wait.js';

let t: TestDatabase;
let sim: Simulator;
let redis: Redis;
let node: PbxNode;
const seen: string[] = [];
let resyncs = 0;

beforeAll(async () => {
  t = await createTestDatabase();
  sim = await startSimulator({ speed: 20 });
  redis = new Redis(TEST_REDIS_URL);
  const failing: NodeCapability = {
    resync: async () => {
      throw new Error('this capability cannot resync');
    },
  };
  const watching: NodeCapability = {
    route: async (event: AriEvent) => {
      seen.push(event.type);
      return false;
    },
    resync: async () => {
      resyncs++;
    },
  };
  node = new PbxNode({
    node: {
      id: 'pbx1',
      ami: { host: sim.ami!.host, port: sim.ami!.port, user: 'cti', secret: 'cti-secret' },
      ari: { url: sim.ari.url, user: 'cti', password: 'cti-secret', app: 'cti-bridge' },
    },
    db: t.db,
    redis,
    log: createLogger('silent'),
    instanceId: 'capabilities-test',
    leaseKey: `${uniquePrefix('cap')}:lease`,
    leaseTtlMs: 2000,
    greetingMedia: 'sound:hello-world',
    capabilities: [() => failing, () => watching],
  });
  node.start();
  await waitUntil(() => node.ariClient?.state === 'connected', 'ARI connected');
});

afterAll(async () => {
  await node?.stop();
  redis?.disconnect();
  await sim?.close();
  await t?.drop();
});

it('runs every capability resync even when one fails, and shows capabilities the events first', async () => {
  await waitUntil(() => resyncs === 1, 'the second capability resynced at connect');
  expect(node.handlerErrors).toBe(1);
  await simControl(sim, '/calls', { from: '+15551230001', to: '100' });
  await waitUntil(() => seen.includes('StasisStart'), 'the capability saw the call arrive');
  await simControl(sim, '/faults/ari-drop');
  await waitUntil(() => resyncs === 2, 'resynced again after the reconnect', 30_000);
});
