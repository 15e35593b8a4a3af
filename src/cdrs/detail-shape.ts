// The CDR's legs and agents, shaped from the legs the timeline fold (detail.ts) left open
// or closed: talk is answered time less hold, and an agent's figures sum their legs.
import type { CallFacts, CdrAgent, CdrLeg, CdrWrapUp, LegRole } from './detail-types.js';

export const iso = (d: Date) => d.toISOString();
export const ms = (a: Date, b: Date) => Math.max(0, b.getTime() - a.getTime());

export interface OpenLeg {
  role: LegRole;
  agentId: string;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  holdMs: number;
  endReason: string | null;
  transferId: string | null;
  roles: Set<LegRole>;
}

/** Every leg ends with the call: `end` is the call's end. */
export function cdrLegsOf(call: CallFacts, legs: readonly OpenLeg[], end: Date): CdrLeg[] {
  return [
    {
      role: 'caller',
      agentId: null,
      startedAt: iso(call.createdAt),
      answeredAt: call.answeredAt ? iso(call.answeredAt) : null,
      endedAt: iso(end),
      talkMs: call.answeredAt ? ms(call.answeredAt, end) : 0,
      holdMs: 0,
      endReason: call.endReason ?? 'hangup',
      transferId: null,
    },
    ...legs.map((l) => ({
      role: l.role,
      agentId: l.agentId,
      startedAt: iso(l.startedAt),
      answeredAt: l.answeredAt ? iso(l.answeredAt) : null,
      endedAt: iso(l.endedAt!),
      talkMs: l.answeredAt ? Math.max(0, ms(l.answeredAt, l.endedAt!) - l.holdMs) : 0,
      holdMs: l.holdMs,
      endReason: l.endReason ?? 'call_ended',
      transferId: l.transferId,
    })),
  ];
}

export interface AgentFacts {
  offers: ReadonlyMap<string, Date>;
  /** Agents whose wrap-up has started and not ended. */
  wrapStart: ReadonlyMap<string, Date>;
  wrapMs: ReadonlyMap<string, number>;
  wrapUps: ReadonlyMap<string, CdrWrapUp>;
  /** Agents still on the call when it ended. */
  onCall: ReadonlySet<string>;
}

export function agentsOf(legs: readonly OpenLeg[], cdrLegs: readonly CdrLeg[], f: AgentFacts): CdrAgent[] {
  const agentIds = [...new Set(legs.map((l) => l.agentId))];
  return agentIds.map((agentId) => {
    const own = legs.filter((l) => l.agentId === agentId);
    const mine = cdrLegs.filter((l) => l.agentId === agentId);
    const answered = own.map((l) => l.answeredAt).filter((a): a is Date => a !== null).sort((a, b) => a.getTime() - b.getTime())[0];
    const roles = [...new Set(own.flatMap((l) => [...l.roles]))];
    const offered = f.offers.get(agentId);
    return {
      agentId,
      roles,
      offeredAt: offered ? iso(offered) : own[0] ? iso(own[0].startedAt) : null,
      answeredAt: answered ? iso(answered) : null,
      talkMs: mine.reduce((s, l) => s + l.talkMs, 0),
      holdMs: mine.reduce((s, l) => s + l.holdMs, 0),
      wrapUpMs: f.wrapStart.has(agentId) || f.onCall.has(agentId) ? null : (f.wrapMs.get(agentId) ?? 0),
      wrapUp: f.wrapUps.get(agentId) ?? null,
    };
  });
}
