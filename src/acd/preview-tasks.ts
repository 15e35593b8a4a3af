// Campaign contacts as preview tasks of the ACD. A due contact is offered to the longest
// idle ready agent qualified for the campaign's queue: the agent is reserved with the same
// atomic script as a call offer (the task id in place of a call id), the task with the
// customer (and the order) goes to that agent's stream, and the agent accepts or declines.
// On accept the agent goes on call and click-to-dial rings their phone, then the customer;
// when that call ends its outcome is written on the contact and the agent wraps up.
// Calls waiting in the queue come first: no task is offered while one waits there.
import { randomUUID } from 'node:crypto';
import { ProblemError } from '../api/problem.js';
import type { Db } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import { appendOutbox } from '../events/outbox.js';
import type { Logger } from '../log.js';
import type { CampaignTask, CampaignTaskPort } from '../campaigns/acd-seam.js';
import type { Outcome } from '../campaigns/model.js';
import { getCampaign } from '../campaigns/repository.js';
import { recordOutcome } from '../campaigns/service.js';
import { dialingTaskOfCall, expiredOffers, getTask, insertTask, moveTask, refuseContact, returnContact, type PreviewTask } from '../campaigns/tasks.js';
import type { AcdCore } from './core.js';
import { qualifies } from './priority.js';
import type { AgentDefinition } from './model.js';
import { getAgent, getQueue, listAgents } from './repository.js';

/** The reservation outlives the offer by this much, so the timeout (not the TTL) ends it. */
const RESERVATION_MARGIN_MS = 10_000;

export interface PlaceCall {
  (input: { apiKeyId: string; idempotencyKey: string; extension: string; to: string; agentId: string; data: Record<string, unknown> }): Promise<{
    call: { id: string; state: string };
  }>;
}

export interface PreviewTasksOptions {
  db: Db;
  core: AcdCore;
  log: Logger;
  /** How long an agent has to accept before the task goes back (and they to not ready). */
  offerSeconds: number;
  /** Click-to-dial on a PBX node: this instance's, or the owner's through the command bus. */
  place: PlaceCall;
}

/** The dial-policy rule when the gate refused the number itself (not a spent budget or a suspended key, which pass). */
function refusedRule(err: unknown): string | undefined {
  const rule = err instanceof ProblemError && err.status === 422 ? err.extensions['rule'] : undefined;
  return typeof rule === 'string' ? rule : undefined;
}

/** The customer outcome of a preview call that ended (null: the agent never picked up). */
export function outcomeOfCall(end: { answered: boolean; cause: number | null; reason: string }): Outcome | null {
  if (end.answered) return 'reached';
  if (end.reason === 'agent did not answer' || end.reason === 'agent phone could not be dialled') return null;
  if (end.cause === 17) return 'busy';
  // Unallocated number, no route, number changed, invalid format.
  if (end.cause === 1 || end.cause === 3 || end.cause === 22 || end.cause === 28) return 'wrong_number';
  return 'no_answer';
}

export class PreviewTasks implements CampaignTaskPort {
  constructor(private readonly o: PreviewTasksOptions) {}

  async anyoneFree(queueId: string): Promise<boolean> {
    return (await this.readyAgents(queueId)).length > 0;
  }

  /** Ready agents qualified for the queue, longest idle first; none while a call waits there. */
  private async readyAgents(queueId: string): Promise<AgentDefinition[]> {
    const { db, core } = this.o;
    const queue = queueId ? await getQueue(db, queueId) : undefined;
    if (!queue) return [];
    if ((await core.queuesLive.list(queue.id)).length > 0) return [];
    const defs = (await listAgents(db)).filter((a) => qualifies(a.skills, queue.skills));
    const live = await core.agentsLive.getMany(defs.map((a) => a.id));
    return defs.filter((a) => live.get(a.id)?.state === 'ready').sort((a, b) => live.get(a.id)!.sinceMs - live.get(b.id)!.sinceMs);
  }

  async offer(task: CampaignTask): Promise<boolean> {
    const { db, core } = this.o;
    const queue = { id: task.queueId };
    for (const agent of await this.readyAgents(task.queueId)) {
      const taskId = randomUUID();
      const offerId = randomUUID();
      const now = Date.now();
      const res = await core.agentsLive.reserve(agent.id, `task:${taskId}`, offerId, this.o.offerSeconds * 1000 + RESERVATION_MARGIN_MS, now, '', { queueId: queue.id });
      if (!res.ok) continue;
      const at = new Date(now);
      const expiresAt = new Date(now + this.o.offerSeconds * 1000);
      const order = await orderOf(db, task.contact.data).catch(() => null);
      try {
        await this.record(task, queue.id, agent.id, taskId, offerId, at, expiresAt, order);
      } catch (err) {
        // Not recorded, so not offered: the agent is free again at once.
        await core.agentsLive.apply(agent.id, { type: 'release' }, Date.now(), offerId);
        await core.agents.announce(agent.id);
        throw err;
      }
      // The reservation script wrote the agent's state change and its event together.
      await core.agents.announce(agent.id);
      return true;
    }
    return false;
  }

  private async record(task: CampaignTask, queueId: string, agentId: string, taskId: string, offerId: string, at: Date, expiresAt: Date, order: Record<string, unknown> | null): Promise<void> {
    await withTransaction(this.o.db, async (tx) => {
      await insertTask(tx, { id: taskId, campaignId: task.campaignId, contactId: task.contact.id, agentId, offerId, offeredAt: at, expiresAt });
      await appendOutbox(tx, {
        type: 'campaign.task_offered',
        occurredAt: at,
        data: {
          agentId,
          task: {
            id: taskId,
            campaignId: task.campaignId,
            campaignName: task.campaignName,
            queueId,
            reason: task.reason,
            expiresAt: expiresAt.toISOString(),
            contact: { id: task.contact.id, number: task.contact.number, name: task.contact.name, reference: task.contact.reference, attempts: task.contact.attempts, data: task.contact.data },
            order,
          },
        },
      });
    });
  }

  /** The agent takes the task: on call, their phone rings, then the customer's. */
  async accept(agentId: string, taskId: string, apiKeyId: string): Promise<PreviewTask> {
    const { db, core } = this.o;
    const task = await this.ownTask(agentId, taskId);
    if (task.state !== 'offered') throw new ProblemError(409, `task ${taskId} is ${task.state}`, { state: task.state });
    if (Date.parse(task.expiresAt) <= Date.now()) throw new ProblemError(409, `task ${taskId} has expired`, { state: 'expired' });
    const agent = await getAgent(db, agentId);
    const extension = /^PJSIP\/([0-9]{2,6})$/.exec(agent?.endpoint ?? '')?.[1];
    if (!extension) throw new ProblemError(422, `agent ${agentId}'s phone (${agent?.endpoint ?? 'none'}) is not an extension click-to-dial can ring`);
    const answered = await core.agents.change(agentId, { type: 'answer' }, { offerId: task.offerId, callId: `task:${taskId}` });
    if (!answered.ok) throw new ProblemError(409, `task ${taskId} is no longer offered to ${agentId}: ${answered.detail}`);
    const moved = await moveTask(db, taskId, 'offered', 'dialing');
    if (!moved) {
      await core.agents.change(agentId, { type: 'hangup' });
      throw new ProblemError(409, `task ${taskId} was taken back meanwhile`);
    }
    const contact = (await db.query('SELECT number FROM campaign_contacts WHERE id = $1', [task.contactId])).rows[0] as { number: string };
    try {
      const { call } = await this.o.place({
        apiKeyId,
        idempotencyKey: `campaign-task:${taskId}`,
        extension,
        to: contact.number,
        agentId,
        data: { campaignId: task.campaignId, contactId: task.contactId, taskId },
      });
      const dialing = (await moveTask(db, taskId, 'dialing', 'dialing', { callId: call.id })) ?? moved;
      // The call may have ended before its id was written on the task.
      if (call.state === 'ended' || (await callEnded(db, call.id))) await this.callEnded(call.id);
      return dialing;
    } catch (err) {
      // A number the dial gate refuses stays refused: the contact is closed, not offered again.
      const rule = refusedRule(err);
      const outcome = rule ? 'refused' : 'not_dialled';
      await moveTask(db, taskId, 'dialing', 'failed', { outcome });
      if (rule) await refuseContact(db, task.contactId, rule);
      else await returnContact(db, task.contactId);
      await core.agents.change(agentId, { type: 'hangup' });
      await this.ended({ ...moved, state: 'failed' }, outcome, null);
      throw err;
    }
  }

  /** The agent passes: the contact goes back to the campaign, the agent is ready again. */
  async decline(agentId: string, taskId: string): Promise<PreviewTask> {
    const task = await this.ownTask(agentId, taskId);
    const moved = await moveTask(this.o.db, taskId, 'offered', 'declined');
    if (!moved) throw new ProblemError(409, `task ${taskId} is ${task.state}`, { state: task.state });
    await returnContact(this.o.db, task.contactId);
    await this.o.core.agents.change(agentId, { type: 'release' }, { offerId: task.offerId, callId: `task:${taskId}` });
    await this.ended(moved, 'declined', null);
    return moved;
  }

  /** Offers nobody answered in time go back; their agents go not ready, as after ring-no-answer. */
  async expireDue(now: Date): Promise<number> {
    let n = 0;
    for (const task of await expiredOffers(this.o.db, now)) {
      const moved = await moveTask(this.o.db, task.id, 'offered', 'expired');
      if (!moved) continue;
      n++;
      await returnContact(this.o.db, task.contactId);
      const res = await this.o.core.agents.change(task.agentId, { type: 'no_answer' }, { offerId: task.offerId, callId: `task:${task.id}` });
      if (!res.ok) await this.o.core.agentsLive.sweep(task.agentId, Date.now());
      await this.ended(moved, 'expired', null);
    }
    return n;
  }

  /** A call ended: when it was a task's, the outcome goes on the contact and the agent wraps up. */
  async callEnded(callId: string): Promise<void> {
    const { db } = this.o;
    const task = await dialingTaskOfCall(db, callId);
    if (!task) return;
    const { rows } = await db.query('SELECT answered_at, hangup_cause, state FROM calls WHERE id = $1', [callId]);
    const row = rows[0];
    if (!row || row.state !== 'ended') return;
    const reasonRow = await db.query(`SELECT data->>'reason' AS reason FROM call_events WHERE call_id = $1 AND type = 'call.ended' ORDER BY id DESC LIMIT 1`, [callId]);
    const outcome = outcomeOfCall({ answered: row.answered_at !== null, cause: row.hangup_cause, reason: reasonRow.rows[0]?.reason ?? '' });
    const done = await moveTask(db, task.id, 'dialing', 'done', { outcome: outcome ?? 'agent_no_answer' });
    if (!done) return;
    await this.o.core.agents.change(task.agentId, { type: 'hangup' }, { callId: `task:${task.id}` });
    const campaign = await getCampaign(db, task.campaignId);
    // An outcome the agent set during the call (wrong number, call back at...) stands.
    const contact = (await db.query('SELECT status FROM campaign_contacts WHERE id = $1', [task.contactId])).rows[0];
    if (campaign && contact?.status === 'offered') {
      if (outcome === null) await returnContact(db, task.contactId);
      else await recordOutcome(db, campaign, task.contactId, { outcome, at: new Date(), agentId: task.agentId, note: `call ${callId}` }).catch((err: Error) => this.o.log.warn({ err: err.message, taskId: task.id }, 'campaign outcome not recorded'));
    }
    await this.ended(done, outcome ?? 'agent_no_answer', callId);
  }

  private async ownTask(agentId: string, taskId: string): Promise<PreviewTask> {
    const task = await getTask(this.o.db, taskId);
    if (!task || task.agentId !== agentId) throw new ProblemError(404, `agent ${agentId} has no task ${taskId}`);
    return task;
  }

  private async ended(task: PreviewTask, outcome: string, callId: string | null): Promise<void> {
    await appendOutbox(this.o.db, {
      type: 'campaign.task_ended',
      ...(callId ? { callId } : {}),
      data: { agentId: task.agentId, task: { id: task.id, campaignId: task.campaignId, contactId: task.contactId, state: task.state, outcome, callId } },
    });
  }
}

async function callEnded(db: Db, callId: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM calls WHERE id = $1 AND state = 'ended'`, [callId]);
  return rows.length > 0;
}

/** The order a contact came from (the orders sources put its id on the contact). */
async function orderOf(db: Db, data: Record<string, unknown>): Promise<Record<string, unknown> | null> {
  const id = typeof data.orderId === 'string' ? data.orderId : null;
  if (!id || !/^[0-9a-f-]{36}$/i.test(id)) return null;
  const { rows } = await db.query('SELECT id, state, customer, items, currency, total_minor, delivery, created_at FROM orders WHERE id = $1', [id]);
  const r = rows[0];
  if (!r) return null;
  return { id: r.id, state: r.state, customer: r.customer, items: r.items, currency: r.currency, totalMinor: Number(r.total_minor), delivery: r.delivery, createdAt: (r.created_at as Date).toISOString() };
}
