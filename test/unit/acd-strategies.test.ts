import { describe, expect, it } from 'vitest';
import { best, rank } from '../../src/acd/strategies.js';
import { agentRouting as a } from '../helpers/acd.js';

const agents = [
  a({ id: 'a1', idleSinceMs: 300, callsTaken: 5, skills: { en: 2 } }),
  a({ id: 'a2', idleSinceMs: 100, callsTaken: 9, skills: { en: 3 } }),
  a({ id: 'a3', idleSinceMs: 200, callsTaken: 1, skills: { en: 5 } }),
  a({ id: 'a4', idleSinceMs: 400, callsTaken: 1, skills: { en: 4 } }),
];
const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
const req = { en: 2 };

describe('strategies', () => {
  it('longest idle offers whoever has waited longest for a call', () => {
    expect(ids(rank('longest_idle', agents, req))).toEqual(['a2', 'a3', 'a1', 'a4']);
    expect(best('longest_idle', agents, req)?.id).toBe('a2');
  });

  it('fewest calls, then longest idle', () => {
    expect(ids(rank('fewest_calls', agents, req))).toEqual(['a3', 'a4', 'a1', 'a2']);
    expect(best('fewest_calls', agents, req)?.id).toBe('a3');
  });

  it('best skill match: highest level sum on the required skills', () => {
    expect(ids(rank('best_skill', agents, req))).toEqual(['a3', 'a4', 'a2', 'a1']);
    expect(best('best_skill', agents, req)?.id).toBe('a3');
  });

  it('round robin continues after the agent offered last', () => {
    expect(ids(rank('round_robin', agents, req, { lastOffered: 'a2' }))).toEqual(['a3', 'a4', 'a1', 'a2']);
    expect(best('round_robin', agents, req, { lastOffered: 'a4' })?.id).toBe('a1');
    expect(best('round_robin', agents, req)?.id).toBe('a1');
  });

  it('ring all offers everyone, longest idle first', () => {
    expect(ids(rank('ring_all', agents, req))).toEqual(['a2', 'a3', 'a1', 'a4']);
  });

  it('random draws from the injected source', () => {
    expect(best('random', agents, req, { random: () => 0.99 })?.id).toBe('a4');
    expect(best('random', agents, req, { random: () => 0 })?.id).toBe('a1');
    const order = ids(rank('random', agents, req, { random: () => 0 }));
    expect([...order].sort()).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('has no choice to make among nobody', () => {
    for (const s of ['longest_idle', 'round_robin', 'fewest_calls', 'ring_all', 'best_skill', 'random'] as const) {
      expect(best(s, [], req)).toBeUndefined();
    }
  });
});
