// The rollup tables: the fold's memory loaded for a batch and stored after it, and the
// deltas added to the quarter-hour, day and month rows. Everything here runs inside the worker's
// transaction, so a batch lands whole with the position that follows it, or not at all.
import type { Queryable } from '../db/pool.js';
import type { JournalEvent } from './kpi.js';
import { MAX_FCR_HOURS, type FoldMemory, type RollupDelta } from './rollup-fold.js';

/** Counter columns: the delta's field and the column it adds to. */
export const SUM_COLUMNS = [
  ['offered', 'offered', 'int'],
  ['answered', 'answered', 'int'],
  ['waitMsAnswered', 'wait_ms_answered', 'float8'],
  ['abandoned', 'abandoned', 'int'],
  ['shortAbandoned', 'short_abandoned', 'int'],
  ['overflowedIn', 'overflowed_in', 'int'],
  ['overflowedOut', 'overflowed_out', 'int'],
  ['talkMs', 'talk_ms', 'float8'],
  ['holdMs', 'hold_ms', 'float8'],
  ['wrapUpMs', 'wrap_up_ms', 'float8'],
  ['loggedInMs', 'logged_in_ms', 'float8'],
  ['readyMs', 'ready_ms', 'float8'],
  ['reservedMs', 'reserved_ms', 'float8'],
  ['onCallMs', 'on_call_ms', 'float8'],
  ['notReadyMs', 'not_ready_ms', 'float8'],
  ['logouts', 'logouts', 'int'],
  ['transfers', 'transfers', 'int'],
  ['fcrEligible', 'fcr_eligible', 'int'],
  ['surveys', 'surveys', 'int'],
] as const;
/** Histogram columns: summed key by key. */
export const MAP_COLUMNS = [
  ['waits', 'waits'],
  ['notReadyByReason', 'not_ready_by_reason'],
  ['fcrRepeats', 'fcr_repeats'],
  ['ratings', 'ratings'],
] as const;

export const ALL_COLUMNS = [...SUM_COLUMNS.map(([, c, t]) => [c, t] as const), ...MAP_COLUMNS.map(([, c]) => [c, 'jsonb'] as const)];
const ALL = ALL_COLUMNS;
/**
 * A histogram column summed over a group, key by key, in one pass over the group's
 * entries (folding map into map row by row costs a query per row: seconds for a year).
 */
export const mapSum = (c: string) =>
  `coalesce((SELECT jsonb_object_agg(e.key, e.n) FROM (SELECT key, sum(value::text::float8) AS n
     FROM unnest(array_agg(${c}) FILTER (WHERE ${c} <> '{}')) m, jsonb_each(m) GROUP BY key) e), '{}')`;
/** Rows of either tier added up column by column (GROUP BY the key around it). */
export const SUMMED = (from: string, named = false) =>
  [...SUM_COLUMNS.map(([, c]) => `sum(${from}.${c})${named ? ` AS ${c}` : ''}`), ...MAP_COLUMNS.map(([, c]) => `${mapSum(`${from}.${c}`)}${named ? ` AS ${c}` : ''}`)].join(', ');
/** An upsert's conflict clause: the new sums added to the stored ones. */
export const ADD_EXCLUDED = `${SUM_COLUMNS.map(([, c]) => `${c} = r.${c} + excluded.${c}`).join(',\n    ')},
    ${MAP_COLUMNS.map(([, c]) => `${c} = kpi_jsonb_add(r.${c}, excluded.${c})`).join(',\n    ')}`;
const RECORDSET = `jsonb_to_recordset($1::jsonb) AS x(kind char(1), subject text, bucket bigint, ${ALL.map(([c, t]) => `${c} ${t}`).join(', ')})`;
const UPSERT = `INSERT INTO kpi_rollups AS r (kind, subject, bucket, ${ALL.map(([c]) => c).join(', ')})
  SELECT x.kind, x.subject, to_timestamp(x.bucket / 1000), ${ALL.map(([c]) => `x.${c}`).join(', ')}
    FROM ${RECORDSET}
  ON CONFLICT (kind, bucket, subject) DO UPDATE SET
    ${ADD_EXCLUDED}`;
// The same deltas, added to the local day and the local month of each registered zone in
// one statement. A month counts its agent-days: a day row that gains logged-in time for the
// first time (logged-in time only grows) adds one; `before` is read from the statement's
// snapshot, so it sees the days as they were before this batch.
const DAY_MONTH_UPSERT = `WITH x AS (
    SELECT x.kind, x.subject, z.zone, (to_timestamp(x.bucket / 1000) AT TIME ZONE z.zone)::date AS day, ${SUMMED('x', true)}
      FROM ${RECORDSET} CROSS JOIN kpi_rollup_day_zones z
     GROUP BY 1, 2, 3, 4),
  before AS (SELECT d.kind, d.subject, d.zone, d.day FROM kpi_rollups_day d JOIN x USING (kind, subject, zone, day) WHERE d.logged_in_ms > 0),
  up AS (INSERT INTO kpi_rollups_day AS r (kind, subject, zone, day, ${ALL.map(([c]) => c).join(', ')})
    SELECT * FROM x ORDER BY kind, zone, day, subject
    ON CONFLICT (kind, zone, day, subject) DO UPDATE SET
    ${ADD_EXCLUDED}
    RETURNING kind, subject, zone, day, logged_in_ms > 0 AS logged_in)
INSERT INTO kpi_rollups_month AS r (kind, subject, zone, month, ${ALL.map(([c]) => c).join(', ')}, days)
  SELECT x.kind, x.subject, x.zone, date_trunc('month', x.day)::date, ${SUMMED('x')},
         count(*) FILTER (WHERE up.logged_in AND b.day IS NULL)
    FROM x JOIN up USING (kind, subject, zone, day) LEFT JOIN before b USING (kind, subject, zone, day)
   GROUP BY 1, 2, 3, 4
   ORDER BY 1, 3, 4, 2
  ON CONFLICT (kind, zone, month, subject) DO UPDATE SET
    ${ADD_EXCLUDED},
    days = r.days + excluded.days`;

export async function addDeltas(db: Queryable, deltas: Iterable<RollupDelta>): Promise<void> {
  const rows = [...deltas].map((d) => {
    const row: Record<string, unknown> = { kind: d.kind, subject: d.subject, bucket: d.bucket };
    for (const [f, c] of SUM_COLUMNS) row[c] = d[f];
    for (const [f, c] of MAP_COLUMNS) row[c] = d[f];
    return row;
  });
  // Sorted, so two writers (a misconfigured second worker) lock rows in the same order.
  rows.sort((x, y) => (`${x.kind}${x.bucket}${x.subject}` < `${y.kind}${y.bucket}${y.subject}` ? -1 : 1));
  if (!rows.length) return;
  const json = JSON.stringify(rows);
  // A batch's rows are few, but the planner cannot know (a recordset, the zones): its guess
  // costs the day upsert past the JIT threshold, and compiling takes seconds per batch.
  await db.query('SET LOCAL jit = off');
  await db.query(UPSERT, [json]);
  await db.query(DAY_MONTH_UPSERT, [json]);
}

/**
 * What loadMemory found, by memory: storeMemory writes back only the entries a batch
 * changed (an agent's context is set by every state change, mostly to what it was).
 */
const loaded = new WeakMap<FoldMemory, { answers: Map<string, string>; context: Map<string, string>; open: Map<string, string> }>();
const answerKey = (a: { agentId: string | null; queueId: string | null; seenAt: number }) => `${a.agentId}\u0000${a.queueId}\u0000${a.seenAt}`;
const contextKey = (c: { reason: string | null; queueId: string | null }) => `${c.reason}\u0000${c.queueId}`;
const openKey = (list: ReadonlyArray<{ at: number; queueId: string | null; agentId: string | null }>) => JSON.stringify(list);

/** The memory entries a batch of events may read. */
export async function loadMemory(db: Queryable, events: JournalEvent[]): Promise<FoldMemory> {
  const callIds = new Set<string>();
  const agents = new Set<string>();
  const callers = new Set<string>();
  for (const e of events) {
    if (e.callId) callIds.add(e.callId);
    if (e.type === 'agent.state_changed') agents.add(String(e.data.agentId));
    const n = e.data?.caller?.number;
    if ((e.type === 'call.queued' || e.type === 'call.connected') && typeof n === 'string' && n !== '') callers.add(n);
  }
  // One client runs one query at a time (the worker's transaction).
  const answers = await db.query('SELECT call_id, agent_id, queue_id, seen_at FROM kpi_call_answers WHERE call_id = ANY($1)', [[...callIds]]);
  const context = await db.query('SELECT agent_id, reason, queue_id FROM kpi_agent_context WHERE agent_id = ANY($1)', [[...agents]]);
  const open = await db.query(
    'SELECT caller, answered_at, queue_id, agent_id FROM kpi_open_answers WHERE caller = ANY($1) ORDER BY answered_at',
    [[...callers]],
  );
  const memory: FoldMemory = { answers: new Map(), context: new Map(), open: new Map() };
  for (const r of answers.rows) memory.answers.set(r.call_id, { agentId: r.agent_id, queueId: r.queue_id, seenAt: (r.seen_at as Date).getTime() });
  for (const r of context.rows) memory.context.set(r.agent_id, { reason: r.reason, queueId: r.queue_id });
  for (const c of callers) memory.open.set(c, []);
  for (const r of open.rows) memory.open.get(r.caller)!.push({ at: (r.answered_at as Date).getTime(), queueId: r.queue_id, agentId: r.agent_id });
  loaded.set(memory, {
    answers: new Map([...memory.answers].map(([id, a]) => [id, answerKey(a)])),
    context: new Map([...memory.context].map(([id, c]) => [id, contextKey(c)])),
    open: new Map([...memory.open].map(([caller, list]) => [caller, openKey(list)])),
  });
  return memory;
}

export async function storeMemory(db: Queryable, m: FoldMemory): Promise<void> {
  const was = loaded.get(m);
  const answers = [...m.answers].filter(([id, a]) => was?.answers.get(id) !== answerKey(a)).map(([id, a]) => ({ id, agent: a.agentId, queue: a.queueId, at: new Date(a.seenAt).toISOString() }));
  if (answers.length)
    await db.query(
      `INSERT INTO kpi_call_answers (call_id, agent_id, queue_id, seen_at)
       SELECT id, agent, queue, at FROM jsonb_to_recordset($1::jsonb) AS x(id text, agent text, queue text, at timestamptz) ORDER BY id
       ON CONFLICT (call_id) DO UPDATE SET agent_id = excluded.agent_id, queue_id = excluded.queue_id, seen_at = excluded.seen_at`,
      [JSON.stringify(answers)],
    );
  const context = [...m.context].filter(([id, c]) => was?.context.get(id) !== contextKey(c)).map(([id, c]) => ({ id, reason: c.reason, queue: c.queueId }));
  if (context.length)
    await db.query(
      `INSERT INTO kpi_agent_context (agent_id, reason, queue_id)
       SELECT id, reason, queue FROM jsonb_to_recordset($1::jsonb) AS x(id text, reason text, queue text) ORDER BY id
       ON CONFLICT (agent_id) DO UPDATE SET reason = excluded.reason, queue_id = excluded.queue_id`,
      [JSON.stringify(context)],
    );
  const changed = [...m.open].filter(([caller, list]) => was?.open.get(caller) !== openKey(list));
  if (!changed.length) return;
  await db.query('DELETE FROM kpi_open_answers WHERE caller = ANY($1)', [changed.map(([caller]) => caller)]);
  const open = changed.flatMap(([caller, list]) =>
    list.map((o) => ({ caller, at: new Date(o.at).toISOString(), queue: o.queueId, agent: o.agentId })),
  );
  if (open.length)
    await db.query(
      `INSERT INTO kpi_open_answers (caller, answered_at, queue_id, agent_id)
       SELECT caller, at, queue, agent FROM jsonb_to_recordset($1::jsonb) AS x(caller text, at timestamptz, queue text, agent text)`,
      [JSON.stringify(open)],
    );
}

/**
 * Forgets what can no longer change a figure: answers of calls last seen days before the
 * newest event (a call does not come back after that; if it did, it would count as a new
 * first answer) and first answers older than the longest first-call-resolution window.
 */
export async function pruneMemory(db: Queryable, newest: number, answerDays = 2): Promise<void> {
  await db.query('DELETE FROM kpi_call_answers WHERE seen_at < $1', [new Date(newest - answerDays * 86_400_000)]);
  await db.query('DELETE FROM kpi_open_answers WHERE answered_at < $1', [new Date(newest - MAX_FCR_HOURS * 3_600_000)]);
}
