// The short lists a centre configures for its agents: not-ready reasons (the pause codes
// of the state menu) and wrap-up disposition codes (what became of a call, on its CDR).
// Each list is replaced as a whole; its order is the order agents see.
import type { Queryable } from '../db/pool.js';
import { withTransaction, type Db } from '../db/pool.js';

export const CODE_KINDS = ['not_ready_reason', 'disposition'] as const;
export type CodeKind = (typeof CODE_KINDS)[number];

export interface AgentCode {
  code: string;
  label: string;
}

export async function listCodes(db: Queryable, kind: CodeKind): Promise<AgentCode[]> {
  const { rows } = await db.query<AgentCode>('SELECT code, label FROM agent_codes WHERE kind = $1 ORDER BY position', [kind]);
  return rows;
}

export async function findCode(db: Queryable, kind: CodeKind, code: string): Promise<AgentCode | undefined> {
  const { rows } = await db.query<AgentCode>('SELECT code, label FROM agent_codes WHERE kind = $1 AND code = $2', [kind, code]);
  return rows[0];
}

/** Replaces the list; `duplicate` names a code given twice. */
export async function replaceCodes(db: Db, kind: CodeKind, items: readonly AgentCode[]): Promise<{ duplicate?: string }> {
  const seen = new Set<string>();
  for (const i of items) {
    if (seen.has(i.code)) return { duplicate: i.code };
    seen.add(i.code);
  }
  await withTransaction(db, async (tx) => {
    await tx.query('DELETE FROM agent_codes WHERE kind = $1', [kind]);
    if (items.length)
      await tx.query(
        `INSERT INTO agent_codes (kind, code, label, position)
         SELECT $1, c, l, p FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS x(c, l, p)`,
        [kind, items.map((i) => i.code), items.map((i) => i.label)],
      );
  });
  return {};
}

/**
 * Whether `reason` may be given with not_ready: any reason while the centre configured
 * none (as before there were lists), else one of the list.
 */
export async function notReadyReasonAllowed(db: Queryable, reason: string): Promise<{ ok: true } | { ok: false; allowed: string[] }> {
  const list = await listCodes(db, 'not_ready_reason');
  if (list.length === 0 || list.some((c) => c.code === reason)) return { ok: true };
  return { ok: false, allowed: list.map((c) => c.code) };
}
