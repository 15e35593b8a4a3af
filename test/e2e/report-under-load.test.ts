// Reports never touch live calls: year-long KPI reports over a history's worth of rollups
// run while callers ring in through the simulator, on an instance whose PBX lease lapses
// if its renewal is held up for more than 1.3 s (a 2 s lease renewed every 0.67 s; the old
// reports stalled the event loop for seconds at a day of history). The instance keeps the
// lease throughout and every call runs to its CDR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { waitUntil } from '../helpers/wait.js';

const AGENTS = 10;
const QUEUES = 5;

describe('a year report while calls flow', () => {
  let t: TestDatabase;
  let sim: Simulator;
  let service: Service;
  let key: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    // 2026 in quarter hours: every queue all day, every agent eight hours a day.
    await t.db.query(
      `INSERT INTO kpi_rollups (kind, subject, bucket, offered, answered, waits, talk_ms, logged_in_ms, ready_ms, not_ready_by_reason, ratings)
       SELECT 'q', 'queue-' || q, b, 3, 2, '{"12": 1, "40": 1}', 400000, 0, 0, '{}', '{"4": 1}'
         FROM generate_series(1, ${QUEUES}) q, generate_series(timestamptz '2026-01-01', timestamptz '2026-12-31 23:45', interval '15 minutes') b`,
    );
    await t.db.query(
      `INSERT INTO kpi_rollups (kind, subject, bucket, answered, talk_ms, logged_in_ms, ready_ms, not_ready_ms, not_ready_by_reason)
       SELECT 'a', 'agent-' || a, b, 1, 300000, 900000, 450000, 150000, '{"break": 150000}'
         FROM generate_series(1, ${AGENTS}) a, generate_series(timestamptz '2026-01-01 08:00', timestamptz '2026-12-31 08:00', interval '1 day') d,
              generate_series(d, d + interval '7 hours 45 minutes', interval '15 minutes') b`,
    );
    sim = await startSimulator({});
    service = await startService(
      loadConfig(serviceEnv(sim, t.url, uniquePrefix('report-load'))),
      createLogger('info', { write: (line: string) => void logLines.push(line) }),
    );
    key = (await createApiKey(service.db, { name: 'reports', scopes: ['admin'] })).key;
    await waitUntil(() => service.nodes[0]!.isOwner && service.nodes[0]!.ariClient?.state === 'connected', 'lease held and ARI connected');
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await sim?.close();
    await t?.drop();
  });

  /**
   * Items in a report, counted as the body streams in: the test shares the process (and
   * its event loop) with the service, so it must not parse megabytes in one go either.
   */
  const report = async (path: string) => {
    const res = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const decoder = new TextDecoder();
    let carry = '';
    let items = 0;
    let first = '';
    for await (const chunk of res.body!) {
      const text = carry + decoder.decode(chunk, { stream: true });
      // Items open with their interval; the envelope's own interval follows a comma.
      items += text.split('{"interval":"').length - carry.split('{"interval":"').length;
      if (first.length < 2_000) first += text.slice(0, 2_000);
      carry = text.slice(-16);
    }
    return { items, first };
  };

  it('keeps the PBX lease and completes every call while year reports run', { timeout: 180_000 }, async () => {
    const year = 'from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z';
    // One after the other, as a supervisor would ask them.
    const reports = (async () => [
      await report(`/v1/reports/agents?${year}&interval=day`),
      await report(`/v1/reports/queues?${year}&interval=day`),
      await report(`/v1/reports/agents?${year}&interval=month&timeZone=Asia/Kathmandu`),
      await report(`/v1/reports/agents?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&interval=15m`),
    ] as const)();
    const callers = Array.from({ length: 6 }, (_, i) => `+1555000${String(i).padStart(4, '0')}`);
    for (const from of callers) await simControl(sim, '/calls', { from, to: '100' });
    const [agentsByDay, queuesByDay, agentsByMonth, agentsByQuarter] = await reports;
    await waitUntil(
      async () => Number((await t.db.query('SELECT count(*) FROM cdrs WHERE caller_number = ANY($1)', [callers])).rows[0].count) === callers.length,
      'a CDR for every call',
      60_000,
    );

    expect(agentsByDay.items).toBe(AGENTS * 365);
    expect(queuesByDay.items).toBe(QUEUES * 365);
    expect(agentsByMonth.items).toBe(AGENTS * 12);
    expect(agentsByQuarter.items).toBe(AGENTS * 31 * 32);
    expect(agentsByDay.first).toMatch(/^\{"from":"2026-01-01T00:00:00.000Z",.*"items":\[\{"interval":"2026-01-01","agentId":"agent-1","answered":32,"loggedInSeconds":28800,/);
    // The instance took the node once and never let go of it.
    expect(service.nodes[0]!.isOwner).toBe(true);
    expect(logLines.filter((l) => l.includes('lost ownership of the PBX node'))).toEqual([]);
    expect(logLines.filter((l) => l.includes('took ownership of the PBX node'))).toHaveLength(1);
  });
});
