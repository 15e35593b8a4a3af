// Two service instances on one database and Redis: thresholds set and a queue renamed
// through instance A show on a wallboard served by instance B at once (Postgres NOTIFY),
// not at B's periodic pass, which this test sets to an hour so only the notification can
// bring the change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { must, startAcdWorld, type AcdWorld } from './acd-fixture.js';

const HOUR_MS = '3600000';

let w: AcdWorld;
let b: Service | undefined;
let socket: WebSocket | undefined;

interface Frame {
  queues: Array<{ id: string; name: string; level: string; figures: Array<{ metric: string; level: string; threshold: { warning: number; alarm: number } }> }>;
}

beforeAll(async () => {
  // Instances share the signing secret, as they must for a link to open on any of them.
  w = await startAcdWorld('wallboard-instances', { WALLBOARD_REFRESH_MS: HOUR_MS, STREAM_TOKEN_SECRET: 'wallboard-instances-shared-secret-0123456789' });
  await must(w, 'POST', '/v1/queues', { id: 'sales', name: 'Sales', skills: {} });
  b = await startService(loadConfig(w.env('instance-b')), createLogger('silent'));
});

afterAll(async () => {
  socket?.close();
  await b?.stop();
  await w?.close();
});

describe('wallboard thresholds across instances', () => {
  it('a change made through one instance reaches the other instance’s boards at once', async () => {
    const link = await must(w, 'POST', '/v1/wallboard/tokens', { serviceLevelSeconds: 20, serviceLevelTarget: 0.8 });
    let last: Frame | undefined;
    socket = new WebSocket(`${b!.url.replace('http', 'ws')}/wallboard/stream?token=${encodeURIComponent(link.token)}`);
    socket.on('message', (data) => {
      last = JSON.parse(String(data)) as Frame;
    });
    const sales = () => last?.queues.find((q) => q.id === 'sales');
    const waiting = () => sales()?.figures.find((f) => f.metric === 'waiting');
    await expect.poll(() => sales()?.name, { timeout: 30_000 }).toBe('Sales');
    const before = waiting()!.threshold;

    // Through A: nobody may wait without a warning, and one caller is already an alarm.
    const set = await w.api('PUT', '/v1/wallboard/thresholds/sales', { waiting: { warning: 0, alarm: 1 } });
    expect(set.status).toBe(200);
    expect(before).not.toEqual({ warning: 0, alarm: 1 });
    await expect.poll(() => waiting()?.threshold, { timeout: 20_000 }).toMatchObject({ warning: 0, alarm: 1 });

    // A definition changed through A: B's board names the queue anew.
    await must(w, 'PUT', '/v1/queues/sales', { name: 'Sales and orders', skills: {} });
    await expect.poll(() => sales()?.name, { timeout: 20_000 }).toBe('Sales and orders');

    // Back to the defaults through A: B follows again.
    expect((await w.api('DELETE', '/v1/wallboard/thresholds/sales')).status).toBe(204);
    await expect.poll(() => waiting()?.threshold, { timeout: 20_000 }).toMatchObject(before);
  }, 90_000);
});
