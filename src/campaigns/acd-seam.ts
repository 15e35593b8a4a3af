// THE SEAM between campaigns and the ACD. A due contact becomes a preview task: the ACD
// offers it to an agent (screen shows the customer and the order data), the agent accepts,
// the ACD dials the number (already checked against the dial allow-list at import) and,
// when the attempt ends, reports the outcome through POST
// /v1/campaigns/{id}/contacts/{contactId}/outcome or `recordOutcome` directly.
//
// The ACD implements the port (src/acd/preview-tasks.ts); dispatcher.ts runs `dispatchDue`
// on one instance of the cluster, on a timer and whenever an agent becomes ready.
import type { Contact } from './model.js';

export interface CampaignTask {
  campaignId: string;
  campaignName: string;
  /** The ACD queue whose agents may take the task. */
  queueId: string;
  contact: Contact;
  reason: 'callback' | 'first_attempt' | 'retry' | 'offer_expired';
}

export interface CampaignTaskPort {
  /** true when an agent now has the task on screen; false when nobody can take it. */
  offer(task: CampaignTask): Promise<boolean>;
  /** Whether anyone could take a task of this queue now; false spares claiming a contact for nothing. */
  anyoneFree?(queueId: string): Promise<boolean>;
}
