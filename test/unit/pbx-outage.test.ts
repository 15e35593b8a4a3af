import { describe, expect, it } from 'vitest';
import { isStoreOutage, outageRetryDelay } from '../../src/pbx/outage.js';

describe('store outage or the event’s own failure', () => {
  it('knows Postgres and Redis going away', () => {
    expect(isStoreOutage(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isStoreOutage(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isStoreOutage(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isStoreOutage(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isStoreOutage(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
    expect(isStoreOutage(new Error('Connection is closed.'))).toBe(true);
    expect(isStoreOutage(new Error('Reached the max retries per request limit (which is 1).'))).toBe(true);
    expect(isStoreOutage(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }))).toBe(true);
  });

  it('leaves the event’s own failures alone', () => {
    expect(isStoreOutage(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
    expect(isStoreOutage(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
    expect(isStoreOutage(new Error('Channel not found'))).toBe(false);
    expect(isStoreOutage(undefined)).toBe(false);
  });

  it('retries quickly at first, then every few seconds', () => {
    expect(outageRetryDelay(1)).toBe(100);
    expect(outageRetryDelay(2)).toBe(200);
    expect(outageRetryDelay(50)).toBe(5_000);
  });
});
