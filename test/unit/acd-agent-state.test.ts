import { describe, expect, it } from 'vitest';
import { applyCommand, initialStatus, type AgentCommand, type AgentStatus } from '../../src/acd/agent-state.js';

function run(commands: AgentCommand[], start: AgentStatus = initialStatus(0)): AgentStatus {
  let s = start;
  commands.forEach((c, i) => {
    const t = applyCommand(s, c, (i + 1) * 1000);
    if (!t.ok) throw new Error(t.detail);
    s = t.status;
  });
  return s;
}

describe('agent state machine', () => {
  it('logs in to not_ready, then ready', () => {
    const s = run([{ type: 'login' }]);
    expect(s).toMatchObject({ state: 'not_ready', reason: 'login', sinceMs: 1000 });
    expect(run([{ type: 'login' }, { type: 'ready' }]).state).toBe('ready');
  });

  it('walks a whole call: reserved, on_call, wrap_up, ready', () => {
    const s = run([{ type: 'login' }, { type: 'ready' }, { type: 'reserve', callId: 'c1' }]);
    expect(s).toMatchObject({ state: 'reserved', callId: 'c1' });
    const onCall = run([{ type: 'answer' }], s);
    expect(onCall).toMatchObject({ state: 'on_call', callId: 'c1' });
    const wrap = run([{ type: 'hangup' }], onCall);
    expect(wrap).toMatchObject({ state: 'wrap_up', callId: 'c1' });
    expect(run([{ type: 'wrap_up_done' }], wrap)).toMatchObject({ state: 'ready', callId: null });
  });

  it('takes a not_ready asked during a call once the wrap-up ends', () => {
    const s = run([{ type: 'login' }, { type: 'ready' }, { type: 'reserve', callId: 'c1' }, { type: 'answer' }, { type: 'not_ready', reason: 'lunch' }]);
    expect(s).toMatchObject({ state: 'on_call', pendingNotReady: 'lunch' });
    expect(run([{ type: 'hangup' }, { type: 'wrap_up_done' }], s)).toMatchObject({ state: 'not_ready', reason: 'lunch' });
  });

  it('sends an agent who does not answer to not_ready("no answer")', () => {
    const s = run([{ type: 'login' }, { type: 'ready' }, { type: 'reserve', callId: 'c1' }, { type: 'no_answer' }]);
    expect(s).toMatchObject({ state: 'not_ready', reason: 'no answer', callId: null });
  });

  it('sends an agent whose phone cannot be reached to not_ready("unreachable"), only from an offer', () => {
    const s = run([{ type: 'login' }, { type: 'ready' }, { type: 'reserve', callId: 'c1' }, { type: 'unreachable' }]);
    expect(s).toMatchObject({ state: 'not_ready', reason: 'unreachable', callId: null });
    const ready = run([{ type: 'login' }, { type: 'ready' }]);
    expect(applyCommand(ready, { type: 'unreachable' }, 5000).ok).toBe(false);
  });

  it('returns a released agent to ready', () => {
    expect(run([{ type: 'login' }, { type: 'ready' }, { type: 'reserve', callId: 'c1' }, { type: 'release' }]).state).toBe('ready');
  });

  it('refuses illegal changes with the current state', () => {
    const onCall = run([{ type: 'login' }, { type: 'ready' }, { type: 'reserve', callId: 'c1' }, { type: 'answer' }]);
    for (const cmd of [{ type: 'ready' }, { type: 'logout' }, { type: 'login' }, { type: 'reserve', callId: 'c2' }] as AgentCommand[]) {
      const t = applyCommand(onCall, cmd, 9000);
      expect(t.ok).toBe(false);
      if (!t.ok) expect(t.state).toBe('on_call');
    }
    const out = initialStatus(0);
    for (const cmd of [{ type: 'ready' }, { type: 'not_ready', reason: 'x' }, { type: 'answer' }, { type: 'hangup' }] as AgentCommand[]) {
      expect(applyCommand(out, cmd, 1).ok).toBe(false);
    }
  });

  it('treats repeating the current state as no change', () => {
    const ready = run([{ type: 'login' }, { type: 'ready' }]);
    const t = applyCommand(ready, { type: 'ready' }, 5000);
    expect(t).toMatchObject({ ok: true, changed: false });
    const nr = run([{ type: 'not_ready', reason: 'break' }], ready);
    expect(applyCommand(nr, { type: 'not_ready', reason: 'break' }, 9000)).toMatchObject({ ok: true, changed: false });
    expect(applyCommand(nr, { type: 'not_ready', reason: 'lunch' }, 9000)).toMatchObject({ ok: true, changed: true, status: { reason: 'lunch' } });
  });

  it('logs out from ready, not_ready and wrap-up', () => {
    for (const path of [[{ type: 'ready' }], [], [{ type: 'ready' }, { type: 'reserve', callId: 'c' }, { type: 'answer' }, { type: 'hangup' }]] as AgentCommand[][]) {
      expect(run([{ type: 'login' }, ...path, { type: 'logout' }]).state).toBe('logged_out');
    }
  });
});

describe('a supervisor forcing an agent', () => {
  it('takes ready and logout from a call or a reservation, and nothing else', () => {
    const onCall = { ...initialStatus(0), state: 'on_call' as const, callId: 'c1' };
    expect(applyCommand(onCall, { type: 'ready' }, 1).ok).toBe(false);
    expect(applyCommand(onCall, { type: 'ready', force: true }, 1)).toMatchObject({ ok: true, status: { state: 'ready', reason: 'forced', callId: null } });
    const reserved = { ...initialStatus(0), state: 'reserved' as const, callId: 'c1' };
    expect(applyCommand(reserved, { type: 'logout', force: true }, 1)).toMatchObject({ ok: true, status: { state: 'logged_out', reason: 'forced' } });
    // Forcing ready does not log anybody in.
    expect(applyCommand(initialStatus(0), { type: 'ready', force: true }, 1).ok).toBe(false);
  });
});

describe("the agent's phone going offline and online (EndpointStateChange)", () => {
  const ready = run([{ type: 'login' }, { type: 'ready' }]);

  it('offline pauses a ready agent as unreachable; online makes them ready again with a reason', () => {
    const off = applyCommand(ready, { type: 'phone_offline' }, 5000);
    expect(off).toMatchObject({ ok: true, changed: true, status: { state: 'not_ready', reason: 'unreachable' } });
    const on = applyCommand(off.ok ? off.status : ready, { type: 'phone_online' }, 6000);
    expect(on).toMatchObject({ ok: true, changed: true, status: { state: 'ready', reason: 'phone online' } });
  });

  it('an offer that found the phone unreachable is undone the same way', () => {
    const paused = run([{ type: 'reserve', callId: 'c1' }, { type: 'unreachable' }], ready);
    expect(applyCommand(paused, { type: 'phone_online' }, 9000)).toMatchObject({ ok: true, changed: true, status: { state: 'ready' } });
  });

  it('never overrides what a person chose, nor a call in progress', () => {
    const onBreak = run([{ type: 'not_ready', reason: 'break' }], ready);
    expect(applyCommand(onBreak, { type: 'phone_online' }, 9000)).toEqual({ ok: true, changed: false, status: onBreak });
    expect(applyCommand(onBreak, { type: 'phone_offline' }, 9000)).toEqual({ ok: true, changed: false, status: onBreak });
    const talking = run([{ type: 'reserve', callId: 'c1' }, { type: 'answer' }], ready);
    expect(applyCommand(talking, { type: 'phone_offline' }, 9000)).toEqual({ ok: true, changed: false, status: talking });
    expect(applyCommand(talking, { type: 'phone_online' }, 9000)).toEqual({ ok: true, changed: false, status: talking });
    expect(applyCommand(initialStatus(0), { type: 'phone_online' }, 1)).toMatchObject({ ok: true, changed: false, status: { state: 'logged_out' } });
  });
});

describe("a phone's consultation joining a call (attended transfer from a desk phone)", () => {
  const ready = run([{ type: 'login' }, { type: 'ready' }]);

  it('moves the booking onto the call without a state change; anything but a phone booking is refused', () => {
    const consulting = run([{ type: 'reserve', callId: 'phone:1700.1' }, { type: 'answer' }], ready);
    expect(applyCommand(consulting, { type: 'joined', callId: 'c1' }, 9000)).toEqual({ ok: true, changed: false, status: { ...consulting, callId: 'c1' } });
    const onOurCall = run([{ type: 'reserve', callId: 'c2' }, { type: 'answer' }], ready);
    expect(applyCommand(onOurCall, { type: 'joined', callId: 'c1' }, 9000).ok).toBe(false);
    expect(applyCommand(ready, { type: 'joined', callId: 'c1' }, 9000).ok).toBe(false);
  });
});
