// The transfer-aware part of a CDR, derived from the call's timeline alone: legs, agents
// with talk, hold and wrap-up, queue and wait, transfers and conferences, IVR path,
// survey, recordings, disposition. Pure: the ten transfer cases of the acceptance tests
// are checked on hand-made timelines.
//
// Timeline entries are the call's `call_events` rows. Their types and `data` are those of
// the agreed events without the call payload (call.queued, call.offered, call.connected,
// call.abandoned, call.overflowed, call.held/resumed, call.transfer_*,
// call.conference_started, call.wrap_up_recorded, survey.completed) plus the IVR's `ivr.step`, `recording.*`,
// and `agent.state_changed` for this call (the ACD adds it to the call's timeline when the
// change names the call): an agent entering `on_call` answered, leaving it left the
// conversation, and the time spent in `wrap_up` is the after-call work. A transfer's
// `state` is the transfer's (ringback, answered, conference, completed, cancelled,
// abandoned) and its `reason` says why it ended; call control puts the caller on hold for
// a consultation without a call.held of its own.

import type { CallFacts, CdrDetail, CdrTransfer, CdrWrapUp, LegRole, TimelineItem } from './detail-types.js';
import { callDisposition } from './disposition.js';
import { agentsOf, cdrLegsOf, iso, ms, type OpenLeg } from './detail-shape.js';

export type { CallFacts, CdrAgent, CdrDetail, CdrLeg, CdrTransfer, CdrWrapUp, LegRole, TimelineItem } from './detail-types.js';
export type { ExtendedDisposition } from './disposition.js';
export { UNATTENDED } from './disposition.js';

const ANSWERED_STATES = new Set(['answered', 'conference', 'completed']);
/** A transfer's reason when its target's phone rang out (timeout, or the PBX's no answer). */
const NO_ANSWER_REASON = /did not answer|no answer/;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);


interface TransferState extends Omit<CdrTransfer, 'startedAt' | 'answeredAt' | 'endedAt'> {
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
}

export function buildCdrDetail(call: CallFacts, timeline: readonly TimelineItem[]): CdrDetail {
  const items = timeline.map((t, i) => ({ ...t, i })).sort((a, b) => a.at.getTime() - b.at.getTime() || a.i - b.i);
  const legs: OpenLeg[] = [];
  const transfers = new Map<string, TransferState>();
  const offers = new Map<string, Date>();
  const holds = new Map<string, Date>();
  const wrapStart = new Map<string, Date>();
  const wrapMs = new Map<string, number>();
  const wrapUps = new Map<string, CdrWrapUp>();
  const queues: CdrDetail['queues'] = [];
  const conferences: CdrDetail['conferences'] = [];
  const ivrPath: string[] = [];
  const recordings: Array<Record<string, unknown>> = [];
  let survey: CdrDetail['survey'] = null;
  let waitMs = 0;
  let waitKnown = false;
  let queuedAt: Date | null = null;
  let abandoned: { short: boolean } | null = null;
  let voicemail = false;
  let fax = false;
  let holdCount = 0;
  let primary: string | null = null;
  /** Agents talking (on_call) on this call now: their wrap-up is still to come. */
  const onCall = new Set<string>();
  /** Initiators whose caller waits on hold for a consultation (transfer id -> agent). */
  const consultHolds = new Map<string, string>();

  const openLeg = (agentId: string) => legs.find((l) => l.agentId === agentId && l.endedAt === null);
  const startLeg = (agentId: string, role: LegRole, at: Date, transferId: string | null): OpenLeg => {
    const leg: OpenLeg = { role, agentId, startedAt: at, answeredAt: null, endedAt: null, holdMs: 0, endReason: null, transferId, roles: new Set([role]) };
    legs.push(leg);
    return leg;
  };
  // Nobody stays in a conversation after it ended: an agent's own hang-up recorded later
  // (or a CDR refreshed later) gives the same leg as one built at the end of the call.
  const endLeg = (leg: OpenLeg | undefined, when: Date, reason: string) => {
    if (!leg || leg.endedAt) return;
    const at = when.getTime() > call.endedAt.getTime() ? call.endedAt : when;
    const held = holds.get(leg.agentId);
    if (held) {
      leg.holdMs += ms(held, at);
      holds.delete(leg.agentId);
    }
    leg.endedAt = at;
    leg.endReason = reason;
  };
  const setRole = (leg: OpenLeg, role: LegRole) => {
    leg.role = role;
    leg.roles.add(role);
  };

  for (const item of items) {
    const d = item.data;
    const at = item.at;
    switch (item.type) {
      case 'ivr.step': {
        const node = str(d.node);
        if (node) ivrPath.push(node);
        if (d.nodeType === 'voicemail') voicemail = true;
        if (d.nodeType === 'fax') fax = true;
        break;
      }
      case 'call.queued': {
        const q = obj(d.queue);
        const id = str(q.id);
        if (id) queues.push({ id, at: iso(at), overflowFrom: str(q.overflowFrom) });
        queuedAt ??= at;
        break;
      }
      case 'call.offered': {
        const agentId = str(obj(d.offer).agentId);
        if (agentId && !offers.has(agentId)) offers.set(agentId, at);
        break;
      }
      case 'call.connected': {
        const agentId = str(obj(d.agent).id);
        if (!agentId) break;
        const w = num(d.waitMs);
        if (w !== null) {
          waitMs += w;
          waitKnown = true;
        }
        const leg = openLeg(agentId) ?? startLeg(agentId, 'agent', at, null);
        leg.answeredAt ??= at;
        setRole(leg, leg.role === 'conference' ? 'conference' : 'agent');
        primary = agentId;
        break;
      }
      case 'call.abandoned': {
        abandoned = { short: d.short === true };
        const w = num(d.waitMs);
        if (w !== null) {
          waitMs += w;
          waitKnown = true;
        }
        break;
      }
      case 'call.overflowed': {
        const w = num(d.waitMs);
        if (w !== null) {
          waitMs += w;
          waitKnown = true;
        }
        if (obj(d.to).type === 'voicemail') voicemail = true;
        break;
      }
      case 'call.held': {
        const agentId = str(d.agentId) ?? primary;
        if (agentId && !holds.has(agentId)) {
          holds.set(agentId, at);
          holdCount++;
        }
        break;
      }
      case 'call.resumed': {
        const agentId = str(d.agentId) ?? primary;
        if (!agentId) break;
        const since = holds.get(agentId);
        holds.delete(agentId);
        const held = num(d.holdMs) ?? (since ? ms(since, at) : 0);
        const leg = openLeg(agentId);
        if (leg) leg.holdMs += held;
        break;
      }
      case 'call.transfer_started':
      case 'call.transfer_completed':
      case 'call.transfer_cancelled': {
        const t = obj(d.transfer);
        const id = str(t.id);
        if (!id) break;
        let tr = transfers.get(id);
        if (!tr) {
          const to = obj(t.to);
          tr = {
            id,
            mode: str(t.mode) ?? 'attended',
            fromAgentId: str(t.fromAgentId) ?? primary,
            to: {
              ...(str(to.agentId) ? { agentId: str(to.agentId)! } : {}),
              ...(str(to.extension) ? { extension: str(to.extension)! } : {}),
              ...(str(to.number) ? { number: str(to.number)! } : {}),
              ...(str(to.queueId) ? { queueId: str(to.queueId)! } : {}),
            },
            startedAt: at,
            answeredAt: null,
            endedAt: null,
            outcome: 'open',
          };
          transfers.set(id, tr);
          const firstTarget: string | undefined = tr.to.agentId;
          if (tr.mode === 'blind') {
            // The transferring agent is free at once; the target's leg starts when it answers.
            if (tr.fromAgentId) endLeg(openLeg(tr.fromAgentId), at, 'transferred');
          } else {
            if (firstTarget && !openLeg(firstTarget)) startLeg(firstTarget, 'consult', at, id);
            // The caller waits on hold while the target rings and while the agents consult.
            if (tr.fromAgentId && openLeg(tr.fromAgentId) && !holds.has(tr.fromAgentId)) {
              holds.set(tr.fromAgentId, at);
              holdCount++;
              consultHolds.set(id, tr.fromAgentId);
            }
          }
        }
        const endConsultHold = () => {
          const agentId = consultHolds.get(tr!.id);
          consultHolds.delete(tr!.id);
          const since = agentId ? holds.get(agentId) : undefined;
          if (!agentId || !since) return;
          holds.delete(agentId);
          const leg = openLeg(agentId);
          if (leg) leg.holdMs += ms(since, at);
        };
        const state = str(t.state);
        const answeredAt = str(t.answeredAt);
        const target: string | undefined = tr.to.agentId;
        const targetLeg = target ? openLeg(target) : undefined;
        // The target answered: a state saying so, or the answer time on a later entry.
        if (!tr.answeredAt && (answeredAt || (state && ANSWERED_STATES.has(state)))) {
          const when = answeredAt && !Number.isNaN(Date.parse(answeredAt)) ? new Date(answeredAt) : at;
          tr.answeredAt = when;
          if (targetLeg) targetLeg.answeredAt ??= when;
        }
        if (item.type === 'call.transfer_completed') {
          tr.endedAt = at;
          endConsultHold();
          tr.outcome = 'transferred';
          tr.answeredAt ??= at;
          if (tr.mode !== 'blind' && tr.fromAgentId && tr.fromAgentId !== target) endLeg(openLeg(tr.fromAgentId), at, 'transferred');
          if (targetLeg) {
            targetLeg.answeredAt ??= at;
            setRole(targetLeg, 'agent');
          } else if (target) {
            // A blind transfer's target: the leg starts when the target takes the caller.
            startLeg(target, 'agent', at, id).answeredAt = at;
          }
          if (target) primary = target;
        } else if (item.type === 'call.transfer_cancelled') {
          tr.endedAt = at;
          endConsultHold();
          const why = str(t.reason) ?? str(d.reason) ?? '';
          const noAnswer = !tr.answeredAt && (NO_ANSWER_REASON.test(why) || why === 'no_answer' || why === 'timeout');
          tr.outcome = tr.answeredAt ? 'consulted' : noAnswer ? 'no_answer' : 'cancelled';
          if (targetLeg && targetLeg.role === 'consult') endLeg(targetLeg, at, tr.outcome === 'consulted' ? 'consultation_ended' : tr.outcome);
        }
        break;
      }
      case 'call.recall_ended': {
        // The agent who handed the caller over took them back: a talk of theirs again.
        const recall = obj(d.recall);
        const tr = transfers.get(str(obj(d.transfer).id) ?? '');
        if (str(recall.outcome) !== 'recalled') break;
        if (tr) tr.outcome = 'recalled';
        const agentId = str(recall.agentId);
        if (agentId && !openLeg(agentId)) {
          startLeg(agentId, 'agent', at, tr?.id ?? null).answeredAt = at;
          primary = agentId;
        }
        break;
      }
      case 'call.conference_started': {
        const c = obj(d.conference);
        const agentIds = Array.isArray(c.agentIds) ? c.agentIds.filter((a): a is string => typeof a === 'string') : [];
        conferences.push({ at: iso(at), agentIds });
        const tr = str(c.transferId) ? transfers.get(str(c.transferId)!) : undefined;
        if (tr) {
          tr.outcome = 'conference';
          tr.answeredAt ??= at;
          tr.endedAt = at;
          // The caller joins the agents: their hold is over.
          const agentId = consultHolds.get(tr.id);
          consultHolds.delete(tr.id);
          const since = agentId ? holds.get(agentId) : undefined;
          if (agentId && since) {
            holds.delete(agentId);
            const leg = openLeg(agentId);
            if (leg) leg.holdMs += ms(since, at);
          }
        }
        for (const agentId of agentIds) {
          const leg = openLeg(agentId) ?? startLeg(agentId, 'conference', at, tr?.id ?? null);
          leg.answeredAt ??= at;
          setRole(leg, 'conference');
        }
        break;
      }
      case 'agent.state_changed': {
        const agentId = str(d.agentId);
        if (!agentId) break;
        if (d.to === 'on_call') {
          onCall.add(agentId);
          // The agent answered: a transfer target's leg (or a queue offer's) is up from now.
          const tr = [...transfers.values()].find((x) => x.to.agentId === agentId && x.outcome === 'open');
          const leg = openLeg(agentId) ?? startLeg(agentId, tr && tr.mode !== 'blind' ? 'consult' : 'agent', at, tr?.id ?? null);
          leg.answeredAt ??= at;
          if (tr) tr.answeredAt ??= at;
        }
        if (d.from === 'on_call') {
          onCall.delete(agentId);
          endLeg(openLeg(agentId), at, 'agent_hangup');
        }
        if (d.to === 'wrap_up') wrapStart.set(agentId, at);
        if (d.from === 'wrap_up') {
          const start = wrapStart.get(agentId);
          wrapMs.set(agentId, (wrapMs.get(agentId) ?? 0) + (num(d.durationMs) ?? (start ? ms(start, at) : 0)));
          wrapStart.delete(agentId);
        }
        break;
      }
      case 'call.wrap_up_recorded': {
        const w = obj(d.wrapUp);
        const agentId = str(w.agentId);
        const code = str(w.code);
        if (agentId && code) wrapUps.set(agentId, { code, label: str(w.label) ?? code, note: str(w.note), at: iso(at) });
        break;
      }
      case 'survey.completed':
        survey = { rating: d.rating ?? null, rated: d.rated === true };
        break;
      default:
        if (item.type.startsWith('recording.')) recordings.push({ event: item.type.slice('recording.'.length), at: iso(at), ...d });
        if (item.type.startsWith('fax.')) fax = true;
        if (item.type.startsWith('voicemail.')) voicemail = true;
    }
  }

  const end = call.endedAt;
  for (const leg of legs) endLeg(leg, end, 'call_ended');
  if (!waitKnown && queuedAt) {
    const firstAnswer = legs.map((l) => l.answeredAt).filter((a): a is Date => a !== null).sort((a, b) => a.getTime() - b.getTime())[0];
    waitMs = ms(queuedAt, firstAnswer ?? end);
  }

  const cdrLegs = cdrLegsOf(call, legs, end);
  const agents = agentsOf(legs, cdrLegs, { offers, wrapStart, wrapMs, wrapUps, onCall });

  const disposition = callDisposition(call, { connected: legs.some((l) => l.answeredAt !== null), abandoned, fax, voicemail });

  const queue = queues[0] ? { id: queues[queues.length - 1]!.id, overflowFrom: queues[queues.length - 1]!.overflowFrom } : null;
  return {
    ivrPath,
    queue,
    queues,
    waitMs,
    legs: cdrLegs,
    agents,
    transfers: [...transfers.values()].map((t) => ({
      ...t,
      startedAt: iso(t.startedAt),
      answeredAt: t.answeredAt ? iso(t.answeredAt) : null,
      endedAt: t.endedAt ? iso(t.endedAt) : null,
    })),
    conferences,
    holdMs: cdrLegs.reduce((s, l) => s + l.holdMs, 0),
    holdCount,
    survey,
    recordings,
    disposition,
    // An agent still on_call when the call ended is about to start their wrap-up.
    complete: wrapStart.size === 0 && onCall.size === 0,
  };
}
