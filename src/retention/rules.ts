// What is kept how long, and how it leaves (pure). The fastest-growing append-only tables
// are partitioned by time and lose whole partitions; the row tables (referenced by keys,
// updated in place) are trimmed in small batches by time. Days of 0 keep a kind for ever.

export type RetentionKind =
  | 'journal'
  | 'callEvents'
  | 'calls'
  | 'cdrs'
  | 'asteriskCdrs'
  | 'deliveries'
  | 'deadLetters'
  | 'voicemail'
  | 'faxes'
  | 'logisticsUpdates'
  | 'queueStats'
  | 'kpiQuarterHours'
  | 'kpiDays';

export type RetentionDays = Record<RetentionKind, number>;

export const DEFAULT_RETENTION_DAYS: RetentionDays = {
  journal: 90,
  callEvents: 90,
  calls: 400,
  cdrs: 400,
  asteriskCdrs: 90,
  deliveries: 30,
  deadLetters: 60,
  voicemail: 365,
  faxes: 90,
  logisticsUpdates: 180,
  queueStats: 35,
  // Reports by 15/30/60 minutes reach back 13 months; by day and month, ten years.
  kpiQuarterHours: 400,
  kpiDays: 3660,
};

/** The kinds whose removal would break a promise another kind makes (docs/operations.md). */
export function retentionProblems(days: RetentionDays): string[] {
  const problems: string[] = [];
  const kept = (d: number) => (d === 0 ? Infinity : d);
  // A dead letter is replayed from the journal's copy of its event.
  if (kept(days.deadLetters) > kept(days.journal)) problems.push('RETENTION_DEAD_LETTERS_DAYS must not exceed RETENTION_JOURNAL_DAYS: a dead letter is replayed from the journal');
  // A call row is removed only once its CDR is gone (the CDR references it).
  if (kept(days.calls) < kept(days.cdrs)) problems.push('RETENTION_CALLS_DAYS must be at least RETENTION_CDRS_DAYS: a CDR refers to its call');
  if (kept(days.calls) < kept(days.callEvents)) problems.push('RETENTION_CALLS_DAYS must be at least RETENTION_CALL_EVENTS_DAYS: a timeline belongs to its call');
  // Day and month reports read the days; a day gone while its quarter hours stay would
  // make a report answer differently by interval.
  if (kept(days.kpiDays) < kept(days.kpiQuarterHours)) problems.push('RETENTION_KPI_DAYS_DAYS must be at least RETENTION_KPI_QUARTER_HOURS_DAYS: day reports read the day rollups');
  return problems;
}

export interface PartitionedTable {
  table: 'outbox' | 'call_events' | 'webhook_attempts';
  /** The partition key. */
  key: string;
  /** Days per partition: small for the journal (what a cursor loses at a time), wider where per-key reads probe every partition. */
  widthDays: number;
  /** How long its rows are kept. */
  keep(days: RetentionDays): number;
}

export const PARTITIONED: readonly PartitionedTable[] = [
  { table: 'outbox', key: 'created_at', widthDays: 1, keep: (d) => d.journal },
  { table: 'call_events', key: 'at', widthDays: 7, keep: (d) => d.callEvents },
  // Attempts are the history of deliveries and of dead letters: kept as long as either.
  { table: 'webhook_attempts', key: 'at', widthDays: 7, keep: (d) => (d.deliveries === 0 || d.deadLetters === 0 ? 0 : Math.max(d.deliveries, d.deadLetters)) },
];

export interface TrimmedTable {
  kind: RetentionKind;
  table: string;
  /** The time column compared with the cutoff. */
  time: string;
  /** Further rows that must stay (SQL over the table's own columns). */
  onlyWhere?: string;
}

// Order matters: CDRs before the calls they refer to.
export const TRIMMED: readonly TrimmedTable[] = [
  { kind: 'cdrs', table: 'cdrs', time: 'ended_at' },
  {
    kind: 'calls',
    table: 'calls',
    time: 'created_at',
    // Live calls stay; so do calls something else still refers to (a CDR kept longer,
    // an order, a voicemail or a fax: business records that name their call).
    onlyWhere: `state = 'ended'
      AND NOT EXISTS (SELECT 1 FROM cdrs x WHERE x.call_id = calls.id)
      AND NOT EXISTS (SELECT 1 FROM orders x WHERE x.call_id = calls.id)
      AND NOT EXISTS (SELECT 1 FROM voicemail_messages x WHERE x.call_id = calls.id)
      AND NOT EXISTS (SELECT 1 FROM faxes x WHERE x.call_id = calls.id)`,
  },
  { kind: 'asteriskCdrs', table: 'asterisk_cdrs', time: 'received_at' },
  { kind: 'deliveries', table: 'webhook_deliveries', time: 'created_at', onlyWhere: `status IN ('delivered', 'disabled')` },
  { kind: 'deadLetters', table: 'webhook_deliveries', time: 'created_at', onlyWhere: `status IN ('failed', 'dead')` },
  { kind: 'deliveries', table: 'connector_deliveries', time: 'created_at', onlyWhere: `status = 'delivered'` },
  { kind: 'deadLetters', table: 'connector_deliveries', time: 'created_at', onlyWhere: `status IN ('failed', 'dead')` },
  { kind: 'voicemail', table: 'voicemail_messages', time: 'created_at' },
  { kind: 'faxes', table: 'faxes', time: 'created_at', onlyWhere: `status IN ('sent', 'failed')` },
  { kind: 'logisticsUpdates', table: 'logistics_updates', time: 'received_at' },
  { kind: 'queueStats', table: 'acd_queue_outcomes', time: 'at' },
  { kind: 'queueStats', table: 'acd_queue_entries', time: 'at' },
  { kind: 'kpiQuarterHours', table: 'kpi_rollups', time: 'bucket' },
  { kind: 'kpiDays', table: 'kpi_rollups_day', time: 'day' },
  // A month goes with its first day (a report by month then reads the days that are left).
  { kind: 'kpiDays', table: 'kpi_rollups_month', time: 'month' },
];

const DAY = 86_400_000;

/** The moment before which rows of a kind kept `days` days may go; undefined: kept for ever. */
export function cutoff(now: Date, days: number): Date | undefined {
  return days > 0 ? new Date(now.getTime() - days * DAY) : undefined;
}

/** Start (UTC midnight) of the partition of `widthDays` that holds `at`. Partitions align on whole widths since 1970-01-01. */
export function partitionStart(at: Date, widthDays: number): Date {
  const day = Math.floor(at.getTime() / DAY);
  return new Date((day - (((day % widthDays) + widthDays) % widthDays)) * DAY);
}

export function partitionName(table: string, start: Date): string {
  return `${table}_p${start.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export interface ExistingPartition {
  name: string;
  /** Bounds; undefined for MINVALUE / the default partition. */
  from?: Date;
  to?: Date;
  isDefault: boolean;
}

export interface PartitionPlan {
  create: Array<{ name: string; from: Date; to: Date }>;
  drop: string[];
}

/**
 * Partitions to create so that every moment from yesterday to `aheadDays` from now has one
 * (never overlapping one that exists: a slot partly covered, e.g. by the legacy partition,
 * gets a partition for the rest of it), and those wholly older than the cutoff to drop.
 */
export function planPartitions(
  table: string,
  widthDays: number,
  existing: readonly ExistingPartition[],
  now: Date,
  aheadDays: number,
  keepBefore: Date | undefined,
): PartitionPlan {
  const ranges = existing
    .filter((p) => !p.isDefault)
    .map((p) => ({ from: p.from?.getTime() ?? -Infinity, to: p.to?.getTime() ?? Infinity }))
    .sort((a, b) => a.from - b.from);
  const create: PartitionPlan['create'] = [];
  const end = now.getTime() + aheadDays * DAY;
  for (let slot = partitionStart(new Date(now.getTime() - DAY), widthDays).getTime(); slot <= end; slot += widthDays * DAY) {
    const slotEnd = slot + widthDays * DAY;
    let cursor = slot;
    for (const r of ranges) {
      if (r.to <= cursor || r.from >= slotEnd) continue;
      if (r.from > cursor) create.push({ name: partitionName(table, new Date(cursor)), from: new Date(cursor), to: new Date(r.from) });
      cursor = Math.max(cursor, r.to);
      if (cursor >= slotEnd) break;
    }
    if (cursor < slotEnd) create.push({ name: partitionName(table, new Date(cursor)), from: new Date(cursor), to: new Date(slotEnd) });
  }
  const drop = keepBefore ? existing.filter((p) => !p.isDefault && p.to !== undefined && p.to <= keepBefore).map((p) => p.name) : [];
  return { create, drop };
}
