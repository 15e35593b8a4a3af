// When Redis is trusted with the ACD's live state, what an agent is rebuilt to when it is
// not, and state changes held while Redis does not answer.
import { describe, expect, it } from 'vitest';
import { HeldChanges } from '../../src/acd/held-changes.js';
import { epochVerdict } from '../../src/acd/live-epoch.js';
import { rebuildEvent, rebuiltStatus } from '../../src/acd/live-rebuild.js';
import { createLogger } from '../../src/log.js';
import { waitUntil } from '../helpers/wait.js';

describe('epochVerdict', () => {
  it('trusts a Redis whose beat is where Postgres saw it (or one behind: an AOF second)', () => {
    expect(epochVerdict(10, 10)).toBe('ok');
    expect(epochVerdict(9, 10)).toBe('ok');
    expect(epochVerdict(12, 10)).toBe('ok');
  });
  it('tells an empty Redis and an old snapshot apart from a first start', () => {
    expect(epochVerdict(null, 10)).toBe('lost');
    expect(epochVerdict(3, 10)).toBe('stale');
    expect(epochVerdict(null, null)).toBe('init');
    expect(epochVerdict(4, null)).toBe('adopt');
  });
});

describe('rebuiltStatus', () => {
  const now = 1_000_000;
  const last = (state: 'ready' | 'not_ready' | 'reserved' | 'on_call' | 'wrap_up' | 'logged_out', o: { reason?: string; callId?: string } = {}) => ({
    agentId: 'a',
    state,
    reason: o.reason ?? null,
    sinceMs: 500,
    callId: o.callId ?? null,
  });

  it('keeps an agent on the call their open answered leg says, whatever the events said', () => {
    expect(rebuiltStatus(last('on_call', { callId: 'c1' }), { callId: 'c1', answered: true }, now)).toMatchObject({ state: 'on_call', callId: 'c1', sinceMs: 500 });
    expect(rebuiltStatus(last('reserved'), { callId: 'c2', answered: true }, now)).toMatchObject({ state: 'on_call', callId: 'c2', sinceMs: now });
  });
  it('makes agents whose offer or call is gone ready again', () => {
    expect(rebuiltStatus(last('reserved', { callId: 'c1' }), undefined, now)).toMatchObject({ state: 'ready', callId: null });
    expect(rebuiltStatus(last('on_call', { callId: 'c1' }), { callId: 'c1', answered: false }, now)).toMatchObject({ state: 'ready' });
  });
  it('keeps what agents chose, and a wrap-up where it was', () => {
    expect(rebuiltStatus(last('not_ready', { reason: 'lunch' }), undefined, now)).toMatchObject({ state: 'not_ready', reason: 'lunch', sinceMs: 500 });
    expect(rebuiltStatus(last('ready'), undefined, now)).toMatchObject({ state: 'ready', sinceMs: 500 });
    expect(rebuiltStatus(last('wrap_up', { callId: 'c1' }), undefined, now)).toMatchObject({ state: 'wrap_up', callId: 'c1', sinceMs: 500 });
    expect(rebuiltStatus(undefined, undefined, now)).toMatchObject({ state: 'logged_out' });
  });
});

describe('rebuildEvent', () => {
  const now = 1_000_000;
  const last = (state: 'ready' | 'not_ready' | 'reserved' | 'on_call' | 'wrap_up' | 'logged_out', callId: string | null = null) => ({ agentId: 'a', state, reason: null, sinceMs: 400_000, callId });
  const rebuilt = (l: ReturnType<typeof last> | undefined, leg?: { callId: string; answered: boolean }) => rebuildEvent('a', l, rebuiltStatus(l, leg, now), now);

  it('journals a move from the last journaled state, naming the call and the time spent there', () => {
    expect(rebuilt(last('reserved', 'c1'))?.data).toEqual({ agentId: 'a', from: 'reserved', to: 'ready', reason: 'rebuilt', durationMs: 600_000, callId: 'c1', queueId: null });
    expect(rebuilt(last('ready'), { callId: 'c2', answered: true })?.data).toMatchObject({ from: 'ready', to: 'on_call', reason: 'rebuilt', callId: 'c2' });
    expect(rebuilt(last('on_call', 'c1'), { callId: 'c3', answered: true })?.data).toMatchObject({ from: 'on_call', to: 'on_call', callId: 'c3' });
  });
  it('journals nothing for an agent left where the journal has them', () => {
    expect(rebuilt(last('on_call', 'c1'), { callId: 'c1', answered: true })).toBeNull();
    expect(rebuilt(last('not_ready', 'c9'))).toBeNull();
    expect(rebuilt(last('wrap_up', 'c1'))).toBeNull();
    expect(rebuilt(undefined)).toBeNull();
  });
});

describe('HeldChanges', () => {
  const outage = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

  it('holds changes while Redis is away and applies them in order once it answers', async () => {
    let down = true;
    const applied: string[] = [];
    const change = async (_id: string, cmd: { type: string }) => {
      if (down) throw outage();
      applied.push(cmd.type);
      return { ok: true as const, change: {} as never };
    };
    const agents = { change, changeNow: async (id: string, cmd: { type: string }) => ({ result: await change(id, cmd), journaled: Promise.resolve() }) };
    const signalled: string[] = [];
    const held = new HeldChanges(agents, createLogger('silent'), (id) => signalled.push(id));
    expect(await held.change('a', { type: 'hangup' })).toMatchObject({ ok: false, held: true });
    // Asked for while the first waits: queued behind it even once Redis answers.
    down = false;
    expect(await held.change('a', { type: 'wrap_up_done' })).toMatchObject({ held: true });
    await waitUntil(() => held.size === 0, 'the held changes applied');
    expect(applied).toEqual(['hangup', 'wrap_up_done']);
    expect(signalled).toEqual(['a', 'a']);
    expect(await held.change('a', { type: 'release' })).toMatchObject({ ok: true });
    held.stop();
  });

  it('lets other failures through', async () => {
    const bad = async () => Promise.reject(new Error('bad script'));
    const held = new HeldChanges({ change: bad, changeNow: bad }, createLogger('silent'), () => {});
    await expect(held.change('a', { type: 'hangup' })).rejects.toThrow('bad script');
  });
});
