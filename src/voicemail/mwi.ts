// Message-waiting indication: the PBX learns each mailbox's old/new counts through ARI
// PUT /mailboxes/{name} (res_mwi_external), and phones subscribed to it light up.
import type { AriClient } from '../ari/client.js';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../log.js';
import { messageCounts } from './repository.js';

/** The name a mailbox has on the PBX: `<id>@<context>`. */
export function pbxMailboxName(mailboxId: string, context: string): string {
  return `${mailboxId}@${context}`;
}

/** Pushes one mailbox's counts; a PBX that refuses is logged, never fatal to the caller. */
export async function publishMwi(ari: AriClient, db: Queryable, mailboxId: string, context: string, log: Logger): Promise<boolean> {
  try {
    const counts = await messageCounts(db, mailboxId);
    await ari.rest.mailboxes.update(pbxMailboxName(mailboxId, context), counts.oldMessages, counts.newMessages);
    return true;
  } catch (err) {
    log.warn({ err: (err as Error).message, mailboxId }, 'message-waiting update refused by the PBX');
    return false;
  }
}
