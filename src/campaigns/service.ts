// Campaign operations that span storage and the scheduler: what is due now, recording an
// outcome, handing due contacts to the ACD.
import { withTransaction, type Db } from '../db/pool.js';
import type { CampaignTask, CampaignTaskPort } from './acd-seam.js';
import type { Campaign, Contact, Outcome } from './model.js';
import { addDoNotCall, doNotCallSet, lockContact, openContacts, recordAttempt, saveContact } from './repository.js';
import { applyOutcome, dueContacts, type DueReason } from './scheduler.js';

export const OFFER_TIMEOUT_MS = 10 * 60_000;

export async function dueNow(db: Db, campaign: Campaign, now: Date, limit: number): Promise<Array<{ contact: Contact; reason: DueReason }>> {
  const open = await openContacts(db, campaign.id);
  const dnc = await doNotCallSet(db, open.map((c) => c.number));
  return dueContacts(open, campaign, { now, doNotCall: dnc, offerTimeoutMs: OFFER_TIMEOUT_MS, limit });
}

export class ContactNotFound extends Error {}

export async function recordOutcome(
  db: Db,
  campaign: Campaign,
  contactId: string,
  o: { outcome: Outcome; at: Date; callbackAt?: Date; agentId?: string; note?: string },
): Promise<Contact> {
  return withTransaction(db, async (tx) => {
    const contact = await lockContact(tx, campaign.id, contactId);
    if (!contact) throw new ContactNotFound(`contact ${contactId} is not in campaign ${campaign.id}`);
    const next = applyOutcome(contact, campaign, o);
    await saveContact(tx, next);
    await recordAttempt(tx, { contactId, outcome: o.outcome, agentId: o.agentId, callbackAt: next.callbackAt, note: o.note });
    if (o.outcome === 'do_not_call') await addDoNotCall(tx, [contact.number], `asked during campaign ${campaign.name}`);
    return next;
  });
}

/** Offers due contacts to the ACD, marking each `offered` first so no two agents get it. */
export async function dispatchDue(db: Db, campaign: Campaign, port: CampaignTaskPort, now: Date, limit: number): Promise<number> {
  let offered = 0;
  if (port.anyoneFree && !(await port.anyoneFree(campaign.queueId ?? ''))) return 0;
  for (const { contact, reason } of await dueNow(db, campaign, now, limit)) {
    // A contact whose call is still going (a long talk outlives the offer timeout) stays put,
    // and one whose campaign was paused since this round read it is left alone.
    const claimed = await db.query(
      `UPDATE campaign_contacts SET status = 'offered', offered_at = $2 WHERE id = $1 AND status = $3 AND offered_at IS NOT DISTINCT FROM $4
          AND NOT EXISTS (SELECT 1 FROM campaign_tasks t WHERE t.contact_id = $1 AND t.state IN ('offered', 'dialing'))
          AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = campaign_contacts.campaign_id AND c.status = 'active')`,
      [contact.id, now, contact.status, contact.offeredAt],
    );
    if (!claimed.rowCount) continue;
    const task: CampaignTask = { campaignId: campaign.id, campaignName: campaign.name, queueId: campaign.queueId ?? '', contact: { ...contact, status: 'offered' }, reason };
    if (await port.offer(task)) offered++;
    else {
      await db.query(`UPDATE campaign_contacts SET status = 'pending', offered_at = NULL WHERE id = $1 AND status = 'offered'`, [contact.id]);
      break; // nobody free: try again on the next round
    }
  }
  return offered;
}
