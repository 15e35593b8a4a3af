import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/ids.js';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('carries version 7, the RFC variant and the millisecond it was made', () => {
    const at = Date.UTC(2026, 11, 7, 15, 30, 0, 123);
    const id = uuidv7(at);
    expect(id).toMatch(FORMAT);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts later milliseconds after earlier ones', () => {
    const base = Date.now() + 10_000;
    const ids = [0, 1, 2, 50, 1000].map((d) => uuidv7(base + d));
    expect([...ids].sort()).toEqual(ids);
  });

  it('stays unique and ordered across a burst in one millisecond', () => {
    const at = Date.now() + 20_000;
    const ids = Array.from({ length: 10_000 }, () => uuidv7(at));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(FORMAT);
  });

  it('does not go back when the clock does', () => {
    const at = Date.now() + 30_000;
    const a = uuidv7(at);
    const b = uuidv7(at - 5_000);
    expect(b > a).toBe(true);
  });
});
