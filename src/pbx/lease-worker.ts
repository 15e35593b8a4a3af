// The lease's own thread: renews the PBX node lease over its own Redis connection, so a
// main event loop busy for a while (a large report, a long GC) does not cost the node.
// It renews only while the main loop has beaten recently (within `stallMs`): an instance
// whose loop is stuck cannot drive calls and must let the node go.
import { parentPort, workerData } from 'node:worker_threads';
import { Redis, type RedisOptions } from 'ioredis';
import { postgresFence } from './lease-fence.js';
import { LeaseKeeper, type LeaseSettings } from './lease-keeper.js';
import { HEARTBEAT, HELD_UNTIL, type LeaseMessage } from './lease.js';

interface LeaseWorkerData extends LeaseSettings {
  redis: RedisOptions;
  shared: SharedArrayBuffer;
  stallMs: number;
  postgres?: string;
}

const data = workerData as LeaseWorkerData;
const port = parentPort!;
const shared = new BigInt64Array(data.shared);
const post = (m: LeaseMessage) => port.postMessage(m);
const redis = new Redis({ ...data.redis, lazyConnect: false });
// Errors reach the keeper as failed commands; the connection itself retries.
redis.on('error', () => {});
redis.once('ready', () => post({ type: 'connected' }));

const fence = data.postgres ? postgresFence(data.postgres, data.key, data.owner, data.ttlMs) : undefined;

const keeper = new LeaseKeeper({
  ...data,
  redis,
  fence,
  blocked: () => {
    const since = Date.now() - Number(Atomics.load(shared, HEARTBEAT));
    return since > data.stallMs ? `the event loop has not run for ${since} ms` : undefined;
  },
  onHeldUntil: (at) => Atomics.store(shared, HELD_UNTIL, BigInt(at)),
});
keeper.on('acquired', () => post({ type: 'acquired' }));
keeper.on('rekeyed', () => post({ type: 'rekeyed' }));
keeper.on('lost', (reason) => post({ type: 'lost', reason }));

port.on('message', (m: { type: 'stop' }) => {
  if (m.type !== 'stop') return;
  // Not QUIT: a Redis that stopped answering would never let the thread finish.
  void keeper.stop().finally(() => {
    redis.disconnect();
    void fence?.close().catch(() => {});
    post({ type: 'stopped' });
  });
});
keeper.start();
