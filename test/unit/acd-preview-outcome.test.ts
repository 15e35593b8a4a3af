import { describe, expect, it } from 'vitest';
import { outcomeOfCall } from '../../src/acd/preview-tasks.js';

describe('the outcome of a campaign preview call', () => {
  it('is reached when the customer answered, whatever the cause of the end', () => {
    expect(outcomeOfCall({ answered: true, cause: 16, reason: 'customer hung up' })).toBe('reached');
    expect(outcomeOfCall({ answered: true, cause: 17, reason: 'agent hung up' })).toBe('reached');
  });

  it('reads busy, wrong number and no answer from the customer leg cause', () => {
    expect(outcomeOfCall({ answered: false, cause: 17, reason: 'customer did not answer' })).toBe('busy');
    for (const cause of [1, 3, 22, 28]) expect(outcomeOfCall({ answered: false, cause, reason: 'customer did not answer' })).toBe('wrong_number');
    expect(outcomeOfCall({ answered: false, cause: 19, reason: 'customer did not answer' })).toBe('no_answer');
    expect(outcomeOfCall({ answered: false, cause: null, reason: 'customer could not be dialled' })).toBe('no_answer');
  });

  it('is no outcome at all when the agent never picked up: the customer was not called', () => {
    expect(outcomeOfCall({ answered: false, cause: 19, reason: 'agent did not answer' })).toBeNull();
    expect(outcomeOfCall({ answered: false, cause: null, reason: 'agent phone could not be dialled' })).toBeNull();
  });
});
