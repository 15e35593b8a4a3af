// What crosses Redis when a command fails on the owner: its problem, rebuilt unchanged on
// the sender; anything that is not a problem becomes a 500 that tells nothing internal.
import { describe, expect, it } from 'vitest';
import { ProblemError } from '../../src/api/problem.js';
import { errorOf, problemOf } from '../../src/pbx/command-bus.js';

describe('command bus problems', () => {
  it('a problem survives the trip as JSON with its status, title, detail and extensions', () => {
    const original = new ProblemError(429, 'too many calls per minute', { limit: 'per_minute' });
    const wire = JSON.parse(JSON.stringify(problemOf(original)));
    const rebuilt = errorOf(wire);
    expect(rebuilt).toBeInstanceOf(ProblemError);
    expect(rebuilt.toProblem('/v1/calls')).toEqual(original.toProblem('/v1/calls'));
  });

  it('a custom title is kept', () => {
    const p = problemOf(new ProblemError(416, 'the recording has 10 bytes', {}, 'Range Not Satisfiable'));
    expect(errorOf(p).title).toBe('Range Not Satisfiable');
  });

  it('any other error is a 500 without its message', () => {
    const p = problemOf(new Error('password=hunter2'));
    expect(p.status).toBe(500);
    expect(JSON.stringify(p)).not.toContain('hunter2');
  });
});
