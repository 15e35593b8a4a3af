// Where a campaign's contacts come from. Sources are pluggable: the orders capability
// registers `orders_after_delivery` and `customers_without_order` when it lands; this
// build ships the CSV upload (routes) and callers gone silent (from the calls table).
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
      `SELECT caller_number AS number, (array_agg(caller_name ORDER BY created_at DESC))[1] AS name, max(created_at) AS last_call
         FROM calls
        WHERE direction = 'inbound' AND caller_number IS NOT NULL AND caller_number <> ''
        GROUP BY caller_number
       HAVING max(created_at) < $1::timestamptz - make_interval(months => $2::int)
        ORDER BY max(created_at)
        LIMIT 100000`,
      [now, months],
    );
    return rows.map((r) => ({ number: r.number, name: r.name, data: { lastCallAt: (r.last_call as Date).toISOString() } }));
  },
};

export class SourceRegistry {
  private readonly sources = new Map<string, ContactSource>();
  constructor(initial: ContactSource[] = [silentCallers]) {
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
