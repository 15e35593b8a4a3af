import { describe, expect, it } from 'vitest';
import { ADMINS_ONLY, receives } from '../../src/events/audience.js';

const alice = '7d0c7f6e-2f3a-4d38-9a53-2a4f0a1d5b8e';
const bob = '0b5f2c1e-8a1d-4c3b-9f7e-6d5c4b3a2918';

describe('who receives an event', () => {
  it('an event without an owner reaches every reader', () => {
    expect(receives(bob, {})).toBe(true);
    expect(receives(null, {})).toBe(true);
  });

  it('an owned event reaches its owner and admins, not another key', () => {
    expect(receives(alice, { ownerKeyId: alice })).toBe(true);
    expect(receives(null, { ownerKeyId: alice })).toBe(true);
    expect(receives(bob, { ownerKeyId: alice })).toBe(false);
  });

  it('an admins-only event reaches no key but admins', () => {
    expect(receives(alice, { ownerKeyId: ADMINS_ONLY })).toBe(false);
    expect(receives(null, { ownerKeyId: ADMINS_ONLY })).toBe(true);
  });
});
