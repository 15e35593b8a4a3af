// `core restart now` while the ACD has a caller talking with an agent: the call ends as lost
// to a PBX restart (cause 4, CDR pbx_restart), and the agent goes through wrap-up to ready,
// never left on_call with a call that no longer exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simControl } from '../helpers/service.js';
import { waitFor } from '../helpers/wait.js';
import { apiOk, callState, queueWithAgents, startCallCtlWorld, together, type CallCtlWorld } from './callctl-fixture.js';

const DID = '330';
const AGENT = 'emil';
let w: CallCtlWorld;

const must = <T = any>(method: string, path: string, body?: unknown) => apiOk<T>(w, method, path, body);
const agentState = async () => (await must<{ state: string }>('GET', `/v1/agents/${AGENT}`)).state;

beforeAll(async () => {
  w = await startCallCtlWorld('restart-acd', { RATE_LIMIT_PER_MINUTE: '1000000' });
  await queueWithAgents(w, DID, 'sales', [{ id: AGENT, endpoint: 'PJSIP/1041' }]);
});

afterAll(async () => {
  await w?.close();
});

describe('graceful PBX restart during an ACD-connected call', () => {
  it('ends the call as pbx_restart, and the agent wraps up and is ready again, not on_call', async () => {
    const { channelId } = await simControl<{ channelId: string }>(w.sim, '/calls', { from: '+15551230041', to: DID });
    const callId = await waitFor('the call', async () => (await w.t.db.query<{ id: string }>('SELECT id FROM calls WHERE channel_id = $1', [channelId])).rows[0]?.id);
    await waitFor('the caller with Emil', async () => (await callState(w, callId)) === 'connected');
    const leg = await waitFor("Emil's leg", async () => (await w.t.db.query<{ channel_id: string }>('SELECT channel_id FROM acd_agent_legs WHERE call_id = $1 AND answered_at IS NOT NULL', [callId])).rows[0]?.channel_id);
    await waitFor('both in one bridge', () => together(w, leg, channelId));
    expect(await agentState()).toBe('on_call');

    const answer = await simControl<{ hungUp: number; restart: boolean }>(w.sim, '/pbx/shutdown', { restart: true });
    expect(answer).toMatchObject({ restart: true, hungUp: 2 });

    await waitFor('the call ended', async () => (await callState(w, callId)) === 'ended');
    const ended = await w.t.db.query("SELECT payload->'data' AS data FROM outbox WHERE type = 'call.ended' AND payload->>'callId' = $1", [callId]);
    expect(ended.rows[0].data).toMatchObject({ cause: 4 });
    expect(ended.rows[0].data.reason).toMatch(/pbx restart/);
    const cdrId = await waitFor('the CDR', async () => (await w.t.db.query<{ id: string }>('SELECT id FROM cdrs WHERE call_id = $1', [callId])).rows[0]?.id);
    const cdr = await must<{ disposition: string; agents: Array<{ agentId: string }> }>('GET', `/v1/cdrs/${cdrId}`);
    expect(cdr.disposition).toBe('pbx_restart');
    expect(cdr.agents).toEqual([expect.objectContaining({ agentId: AGENT })]);

    // Emil: on_call -> wrap_up -> ready, each announced.
    await waitFor('Emil ready again', async () => (await agentState()) === 'ready');
    const path = await waitFor('the state changes announced', async () => {
      const { rows } = await w.t.db.query<{ data: { from: string; to: string } }>(
        "SELECT payload->'data' AS data FROM outbox WHERE payload->>'type' = 'agent.state_changed' AND payload->'data'->>'agentId' = $1 ORDER BY id",
        [AGENT],
      );
      const all = rows.map((r) => `${r.data.from}>${r.data.to}`);
      return all.includes('wrap_up>ready') ? all : undefined;
    });
    expect(path.slice(path.lastIndexOf('reserved>on_call'))).toEqual(['reserved>on_call', 'on_call>wrap_up', 'wrap_up>ready']);
    const open = await w.t.db.query('SELECT 1 FROM acd_agent_legs WHERE call_id = $1 AND ended_at IS NULL', [callId]);
    expect(open.rows).toEqual([]);
  });
});
