// Asterisk's own CDRs (the manager `Cdr` event, one per channel leg), stored as received
// so our CDRs can be reconciled against the PBX's; only NUL is taken out (a caller can put
// one in their caller id, and Postgres stores none in jsonb: the record would be lost). A capability of each PBX node: the AMI
// client already subscribes to the cdr class.
import type { AmiEvent } from '../ami/index.js';
import type { Queryable } from '../db/pool.js';
import type { CapabilityFactory } from '../pbx/capability.js';

/** The event's fields without the framing ones; null when it is not a Cdr. */
export function asteriskCdrFields(msg: Pick<AmiEvent, 'get' | 'fields'>): Record<string, string> | null {
  if (msg.get('Event') !== 'Cdr') return null;
  const out: Record<string, string> = {};
  const f = msg.fields;
  for (let i = 0; i + 1 < f.length; i += 2) {
    const key = f[i]!;
    if (key === 'Event' || key === 'Privilege' || key in out) continue;
    out[key] = f[i + 1]!.replace(/\u0000/g, '');
  }
  return out;
}

export async function storeAsteriskCdr(db: Queryable, pbxNode: string, fields: Record<string, string>): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO asterisk_cdrs (pbx_node, unique_id, linked_id, start_time, disposition, fields)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pbx_node, unique_id, start_time) DO NOTHING`,
    [pbxNode, fields.UniqueID ?? '', fields.LinkedID ?? null, fields.StartTime ?? '', fields.Disposition ?? null, fields],
  );
  return (rowCount ?? 0) > 0;
}

export const asteriskCdrCapability: CapabilityFactory = (ctx) => {
  const onEvent = (msg: AmiEvent) => {
    const fields = asteriskCdrFields(msg);
    if (!fields) return;
    storeAsteriskCdr(ctx.db, ctx.pbxNode, fields).catch((err: Error) =>
      ctx.log.warn({ err: err.message, uniqueId: fields.UniqueID }, 'could not store an Asterisk Cdr record'),
    );
  };
  ctx.ami.on('event', onEvent);
  return {
    stop() {
      ctx.ami.off('event', onEvent);
    },
  };
};
