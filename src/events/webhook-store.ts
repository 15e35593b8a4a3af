// Postgres access for webhook subscriptions, deliveries and attempts. The database is
// the record of every delivery; BullMQ only holds the work still to do.
export type { Page } from '../api/cursor.js';
export * from './webhook-subscriptions.js';
export * from './webhook-deliveries.js';
export * from './webhook-attempts.js';
