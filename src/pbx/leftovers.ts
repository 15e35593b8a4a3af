// Bridges the service creates carry their call's id (`<call>`, `<call>-hold`,
// `acd-hold-<call>`, `acd-mix-<call>`). One left empty on the PBX after its call ended —
// the instance that would have destroyed it died, or lost Redis or Postgres at that
// moment — is found at resync and destroyed, so faults do not pile up bridges on the PBX.
import type { Queryable } from '../db/pool.js';

const OURS = /^(?:acd-(?:hold|mix)-)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:-hold)?$/;

/** The call id a bridge of ours belongs to; undefined for a bridge the site made. */
export function bridgeCall(bridgeId: string): string | undefined {
  return OURS.exec(bridgeId)?.[1];
}

/** Empty bridges of ours whose call is over (pure: the ended calls are given). */
export function leftoverBridges(bridges: ReadonlyArray<{ id: string; channels?: readonly string[] }>, endedCalls: ReadonlySet<string>): string[] {
  return bridges
    .filter((b) => (b.channels?.length ?? 0) === 0)
    .filter((b) => {
      const call = bridgeCall(b.id);
      return call !== undefined && endedCalls.has(call);
    })
    .map((b) => b.id);
}

/** Which of these call ids are ended calls of this node. */
export async function endedCalls(db: Queryable, pbxNode: string, callIds: string[]): Promise<Set<string>> {
  if (callIds.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM calls WHERE id = ANY($1::uuid[]) AND pbx_node = $2 AND state = 'ended'`,
    [callIds, pbxNode],
  );
  return new Set(rows.map((r) => r.id));
}
