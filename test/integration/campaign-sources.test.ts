// The orders sources of campaigns on a real Postgres: orders delivered N days ago (with a
// week of slack, the order on the contact) and customers whose last order is N months old.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Campaign } from '../../src/campaigns/model.js';
import { SourceRegistry } from '../../src/campaigns/sources.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
const now = new Date('2026-11-20T12:00:00Z');
const day = 86_400_000;

const campaign = (source: Campaign['source']): Campaign => ({
  id: '00000000-0000-4000-8000-000000000001', name: 'x', source, timeZone: 'UTC', callingHours: [], maxAttempts: 1, retryMinutes: 0, queueId: null, status: 'active', ownerKeyId: null, createdAt: now.toISOString(),
});

async function order(n: number, phone: string, createdAt: Date, deliveredAt: Date | null): Promise<string> {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  await t.db.query(
    `INSERT INTO orders (id, state, customer, items, currency, total_minor, created_at, updated_at) VALUES ($1, $2, $3, '[]', 'EUR', 1000, $4, $4)`,
    [id, deliveredAt ? 'delivered' : 'approved', JSON.stringify({ name: `Customer ${n}`, phone }), createdAt],
  );
  if (deliveredAt) await t.db.query(`INSERT INTO order_transitions (order_id, action, from_state, to_state, at) VALUES ($1, 'deliver', 'shipped', 'delivered', $2)`, [id, deliveredAt]);
  return id;
}

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe('campaign contact sources from orders', () => {
  it('yields orders delivered N days ago (up to a week more), with the order on the contact', async () => {
    const due = await order(1, '0611000001', new Date(now.getTime() - 5 * day), new Date(now.getTime() - 2 * day - 3_600_000));
    const lateButCaughtUp = await order(2, '0611000002', new Date(now.getTime() - 9 * day), new Date(now.getTime() - 6 * day));
    await order(3, '0611000003', new Date(now.getTime() - 2 * day), new Date(now.getTime() - day)); // too recent
    await order(4, '0611000004', new Date(now.getTime() - 40 * day), new Date(now.getTime() - 30 * day)); // too old
    await order(5, '0611000005', new Date(now.getTime() - 5 * day), null); // not delivered
    const source = new SourceRegistry().get('orders_after_delivery')!;
    const contacts = await source.contacts(t.db, campaign({ type: 'orders_after_delivery', days: 2 }), now);
    expect(contacts.map((c) => c.reference).sort()).toEqual([due, lateButCaughtUp].sort());
    const first = contacts.find((c) => c.reference === due)!;
    expect(first).toMatchObject({ number: '0611000001', name: 'Customer 1', data: { orderId: due, order: { id: due, state: 'delivered', currency: 'EUR', totalMinor: 1000 } } });
  });

  it('yields customers whose latest order is older than N months, once per phone', async () => {
    await order(11, '0611000011', new Date('2026-03-01T00:00:00Z'), null);
    const last = await order(12, '0611000011', new Date('2026-04-01T00:00:00Z'), null);
    await order(13, '0611000013', new Date('2026-03-01T00:00:00Z'), null);
    await order(14, '0611000013', new Date('2026-11-01T00:00:00Z'), null); // ordered again lately
    const source = new SourceRegistry().get('customers_without_order')!;
    const contacts = await source.contacts(t.db, campaign({ type: 'customers_without_order', months: 6 }), now);
    const byNumber = new Map(contacts.map((c) => [c.number, c]));
    expect(byNumber.get('0611000011')).toMatchObject({ reference: last, data: { orderId: last, lastOrderAt: '2026-04-01T00:00:00.000Z' } });
    expect(byNumber.has('0611000013')).toBe(false);
    // The orders of the first test are recent: none of them is a lapsed customer.
    expect([...byNumber.keys()].filter((n) => n.startsWith('06110000')).sort()).toEqual(['0611000011']);
  });
});
