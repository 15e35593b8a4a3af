// Agents by state as a Prometheus gauge, read at scrape time from the ACD's live state in
// Redis (one pipelined read for all agents, as /readyz does): the states are shared by
// every instance, so every instance reports the same numbers.
import { registerCollector } from '../api/metrics.js';
import type { Queryable } from '../db/pool.js';
import type { AgentLiveStore } from './live-store.js';
import { AGENT_STATES } from './model.js';

export function registerAcdMetrics(db: Queryable, live: Pick<AgentLiveStore, 'getMany'>): void {
  registerCollector(
    'cti_agents',
    'Agents by ACD state (logged_out, ready, not_ready, reserved, on_call, wrap_up)',
    async () => {
      const { rows } = await db.query<{ id: string }>('SELECT id FROM acd_agents');
      const ids = rows.map((r) => r.id);
      const states = await live.getMany(ids);
      const counts = new Map<string, number>(AGENT_STATES.map((s) => [s, 0]));
      // An agent Redis has no state for yet has never logged in.
      for (const id of ids) {
        const state = states.get(id)?.state ?? 'logged_out';
        counts.set(state, (counts.get(state) ?? 0) + 1);
      }
      return [...counts].map(([state, value]) => ({ labels: { state }, value }));
    },
    ['state'],
  );
}
