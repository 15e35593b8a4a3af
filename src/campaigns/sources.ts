// Where a campaign's contacts come from. Sources are pluggable: the CSV upload (routes),
// callers gone silent (each inbound caller's latest call, kept beside the calls table), and from the orders tables the follow-up
// after a delivery and customers who stopped ordering.
import type { Queryable } from '../db/pool.js';
import type { Campaign, ContactInput, SourceSpec } from './model.js';

export interface ContactSource {
  type: SourceSpec['type'];
  /** The contacts this source yields now for the campaign (numbers not yet normalised). */
  contacts(db: Queryable, campaign: Campaign, now: Date): Promise<ContactInput[]>;
}

/** Inbound callers whose most recent call is older than `months` months (reactivation). */
export const silentCallers: ContactSource = {
  type: 'silent_callers',
  async contacts(db, campaign, now) {
    const months = (campaign.source as Extract<SourceSpec, { type: 'silent_callers' }>).months;
    const { rows } = await db.query(
      `SELECT number, name, last_call_at AS last_call
         FROM inbound_callers
        WHERE last_call_at < $1::timestamptz - make_interval(months => $2::int)
        ORDER BY last_call_at
        LIMIT 100000`,
      [now, months],
    );
    return rows.map((r) => ({ number: r.number, name: r.name, data: { lastCallAt: (r.last_call as Date).toISOString() } }));
  },
};

export class SourceRegistry {
  private readonly sources = new Map<string, ContactSource>();
  constructor(initial: ContactSource[] = [silentCallers, ordersAfterDelivery, customersWithoutOrder]) {
    for (const s of initial) this.register(s);
  }
  register(source: ContactSource): void {
    this.sources.set(source.type, source);
  }
  get(type: string): ContactSource | undefined {
    return this.sources.get(type);
  }
  has(type: string): boolean {
    return type === 'csv' || this.sources.has(type);
  }
}

/**
 * Orders delivered `days` days ago or a little earlier (a week of slack, so a day the
 * import did not run is caught up), for the follow-up call after a delivery. The order
 * rides on the contact, so the agent's preview shows it.
 */
export const ordersAfterDelivery: ContactSource = {
  type: 'orders_after_delivery',
  async contacts(db, campaign, now) {
    const days = (campaign.source as Extract<SourceSpec, { type: 'orders_after_delivery' }>).days;
    const { rows } = await db.query(
      `SELECT o.id, o.customer, o.items, o.currency, o.total_minor, o.state, d.at AS delivered_at
         FROM orders o
         JOIN LATERAL (SELECT max(t.at) AS at FROM order_transitions t WHERE t.order_id = o.id AND t.to_state = 'delivered') d ON d.at IS NOT NULL
        WHERE d.at <= $1::timestamptz - make_interval(days => $2::int)
          AND d.at > $1::timestamptz - make_interval(days => $2::int + 7)
        ORDER BY d.at
        LIMIT 100000`,
      [now, days],
    );
    return rows.map((r) => ({
      number: String(r.customer.phone ?? ''),
      name: r.customer.name ?? null,
      reference: r.id as string,
      data: {
        orderId: r.id,
        deliveredAt: (r.delivered_at as Date).toISOString(),
        order: { id: r.id, state: r.state, items: r.items, currency: r.currency, totalMinor: Number(r.total_minor) },
      },
    }));
  },
};

/** Customers (by phone) whose latest order is older than `months` months (win-back). */
export const customersWithoutOrder: ContactSource = {
  type: 'customers_without_order',
  async contacts(db, campaign, now) {
    const months = (campaign.source as Extract<SourceSpec, { type: 'customers_without_order' }>).months;
    const { rows } = await db.query(
      `WITH latest AS (
         SELECT DISTINCT ON (customer->>'phone') customer->>'phone' AS number, customer->>'name' AS name, id, created_at
           FROM orders ORDER BY customer->>'phone', created_at DESC)
       SELECT * FROM latest WHERE created_at < $1::timestamptz - make_interval(months => $2::int) ORDER BY created_at LIMIT 100000`,
      [now, months],
    );
    return rows.map((r) => ({ number: r.number as string, name: r.name ?? null, reference: r.id as string, data: { orderId: r.id, lastOrderAt: (r.created_at as Date).toISOString() } }));
  },
};
