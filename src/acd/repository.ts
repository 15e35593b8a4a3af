// ACD definitions in Postgres: the skills catalogue, agents and queues. Every write
// checks that the skills it names exist, so routing never waits for a skill nobody can have.
import type { Queryable } from '../db/pool.js';
import { publishedFlow } from '../ivr/repository.js';
import { getMailbox } from '../voicemail/repository.js';
import type { AgentDefinition, OverflowTarget, QueueDefinition, Skills } from './model.js';

export class UnknownReference extends Error {
  constructor(
    readonly what: 'skill' | 'queue' | 'flow' | 'mailbox',
    readonly names: string[],
  ) {
    super(`unknown ${what}${names.length > 1 ? 's' : ''}: ${names.join(', ')}`);
  }
}

export interface SkillRecord {
  name: string;
  description: string;
}

export async function listSkills(db: Queryable): Promise<SkillRecord[]> {
  const { rows } = await db.query('SELECT name, description FROM acd_skills ORDER BY name');
  return rows as SkillRecord[];
}

export async function putSkill(db: Queryable, name: string, description: string): Promise<{ skill: SkillRecord; created: boolean }> {
  const { rows } = await db.query(
    `INSERT INTO acd_skills (name, description) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description
     RETURNING name, description, (xmax = 0) AS created`,
    [name, description],
  );
  const r = rows[0] as SkillRecord & { created: boolean };
  return { skill: { name: r.name, description: r.description }, created: r.created };
}

/** Deletes an unused skill: 'missing', 'in_use' (with who uses it) or 'deleted'. */
export async function deleteSkill(db: Queryable, name: string): Promise<{ result: 'missing' | 'deleted' } | { result: 'in_use'; by: string[] }> {
  const { rows } = await db.query(
    `SELECT 'agent ' || id AS who FROM acd_agents WHERE skills ? $1
     UNION ALL SELECT 'queue ' || id FROM acd_queues WHERE definition->'skills' ? $1 LIMIT 10`,
    [name],
  );
  if (rows.length) return { result: 'in_use', by: rows.map((r) => r.who as string) };
  const res = await db.query('DELETE FROM acd_skills WHERE name = $1', [name]);
  return { result: res.rowCount ? 'deleted' : 'missing' };
}

export async function assertSkillsExist(db: Queryable, ...skillSets: Skills[]): Promise<void> {
  const names = [...new Set(skillSets.flatMap((s) => Object.keys(s)))];
  if (!names.length) return;
  const { rows } = await db.query('SELECT name FROM acd_skills WHERE name = ANY($1)', [names]);
  const known = new Set(rows.map((r) => r.name as string));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) throw new UnknownReference('skill', unknown);
}

interface AgentRow {
  id: string;
  name: string;
  endpoint: string;
  skills: Skills;
  ring_seconds: number;
  wrap_up_seconds: number;
}

const toAgent = (r: AgentRow): AgentDefinition => ({
  id: r.id,
  name: r.name,
  endpoint: r.endpoint,
  skills: r.skills,
  ringSeconds: r.ring_seconds,
  wrapUpSeconds: r.wrap_up_seconds,
});

export async function listAgents(db: Queryable): Promise<AgentDefinition[]> {
  const { rows } = await db.query<AgentRow>('SELECT * FROM acd_agents ORDER BY id');
  return rows.map(toAgent);
}

export async function getAgent(db: Queryable, id: string): Promise<AgentDefinition | undefined> {
  const { rows } = await db.query<AgentRow>('SELECT * FROM acd_agents WHERE id = $1', [id]);
  return rows[0] ? toAgent(rows[0]) : undefined;
}

/** Inserts or replaces; `created` tells which. */
/** The agent whose phone is this endpoint; two agents on one phone: the first by id. */
export async function agentIdAt(db: Queryable, endpoint: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM acd_agents WHERE endpoint = $1 ORDER BY id LIMIT 1', [endpoint]);
  return rows[0]?.id;
}

export async function saveAgent(db: Queryable, a: AgentDefinition, mode: 'create' | 'replace'): Promise<'created' | 'replaced' | 'exists' | 'missing'> {
  await assertSkillsExist(db, a.skills);
  if (mode === 'create') {
    const res = await db.query(
      `INSERT INTO acd_agents (id, name, endpoint, skills, ring_seconds, wrap_up_seconds) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO NOTHING`,
      [a.id, a.name, a.endpoint, JSON.stringify(a.skills), a.ringSeconds, a.wrapUpSeconds],
    );
    return res.rowCount ? 'created' : 'exists';
  }
  const res = await db.query(
    `UPDATE acd_agents SET name = $2, endpoint = $3, skills = $4, ring_seconds = $5, wrap_up_seconds = $6, updated_at = now() WHERE id = $1`,
    [a.id, a.name, a.endpoint, JSON.stringify(a.skills), a.ringSeconds, a.wrapUpSeconds],
  );
  return res.rowCount ? 'replaced' : 'missing';
}

export async function deleteAgent(db: Queryable, id: string): Promise<boolean> {
  return ((await db.query('DELETE FROM acd_agents WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

export async function listQueues(db: Queryable): Promise<QueueDefinition[]> {
  const { rows } = await db.query('SELECT definition FROM acd_queues ORDER BY id');
  return rows.map((r) => r.definition as QueueDefinition);
}

export async function getQueue(db: Queryable, id: string): Promise<QueueDefinition | undefined> {
  const { rows } = await db.query('SELECT definition FROM acd_queues WHERE id = $1', [id]);
  return rows[0]?.definition as QueueDefinition | undefined;
}

export async function saveQueue(db: Queryable, q: QueueDefinition, mode: 'create' | 'replace'): Promise<'created' | 'replaced' | 'exists' | 'missing'> {
  await assertSkillsExist(db, q.skills);
  // The overflow and every key's target must exist (a queue never sends callers to itself).
  for (const to of [q.overflow, ...Object.values(q.digitActions ?? {})]) if (to) await assertTargetExists(db, q.id, to);
  if (mode === 'create') {
    const res = await db.query('INSERT INTO acd_queues (id, name, definition) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [q.id, q.name, JSON.stringify(q)]);
    return res.rowCount ? 'created' : 'exists';
  }
  const res = await db.query('UPDATE acd_queues SET name = $2, definition = $3, updated_at = now() WHERE id = $1', [q.id, q.name, JSON.stringify(q)]);
  return res.rowCount ? 'replaced' : 'missing';
}

async function assertTargetExists(db: Queryable, queueId: string, to: OverflowTarget): Promise<void> {
  if (to.type === 'queue') {
    if (to.id === queueId) throw new UnknownReference('queue', [queueId]);
    if (!(await getQueue(db, to.id))) throw new UnknownReference('queue', [to.id]);
  }
  if (to.type === 'voicemail' && !(await getMailbox(db, to.id))) throw new UnknownReference('mailbox', [to.id]);
  if (to.type === 'flow' && !(await publishedFlow(db, to.id))) throw new UnknownReference('flow', [to.id]);
}

export async function deleteQueue(db: Queryable, id: string): Promise<'deleted' | 'missing' | 'in_use'> {
  const { rows } = await db.query(
    `SELECT 1 FROM acd_queues
      WHERE (definition->'overflow'->>'type' = 'queue' AND definition->'overflow'->>'id' = $1)
         OR EXISTS (SELECT 1 FROM jsonb_each(COALESCE(definition->'digitActions', '{}'::jsonb)) d WHERE d.value->>'type' = 'queue' AND d.value->>'id' = $1)`,
    [id],
  );
  if (rows.length) return 'in_use';
  return ((await db.query('DELETE FROM acd_queues WHERE id = $1', [id])).rowCount ?? 0) > 0 ? 'deleted' : 'missing';
}
