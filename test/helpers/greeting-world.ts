// One service on the simulator whose DIDs without a flow play a long greeting: calls stay
// up until a test ends them, the PBX drops or restarts. Shared by the PBX fault tests.
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { waitUntil } from './receiver.js';
import { uniquePrefix } from './redis.js';
import { serviceEnv, simControl } from './service.js';

export interface GreetingWorld {
  t: TestDatabase;
  sim: Awaited<ReturnType<typeof startSimulator>>;
  service: Service;
  control<T>(path: string, body?: unknown): Promise<T>;
  /** The call record of a PBX channel, once it exists. */
  callOf(channelId: string): Promise<{ id: string; state: string } | undefined>;
  stop(): Promise<void>;
}

export async function startGreetingWorld(label: string): Promise<GreetingWorld> {
  const t = await createTestDatabase();
  const sim = await startSimulator({});
  const service = await startService(
    loadConfig(serviceEnv(sim, t.url, uniquePrefix(label), { GREETING_MEDIA: 'sound:tt-weasels' })),
    createLogger('silent'),
  );
  await waitUntil(() => service.nodes[0]!.ariClient?.state === 'connected', 'ARI connected');
  return {
    t,
    sim,
    service,
    control: <T>(path: string, body?: unknown) => simControl<T>(sim, path, body),
    callOf: async (channelId) =>
      (await t.db.query('SELECT id, state FROM calls WHERE channel_id = $1', [channelId])).rows[0] as { id: string; state: string } | undefined,
    async stop() {
      await service.stop();
      await sim.close();
      await t.drop();
    },
  };
}
