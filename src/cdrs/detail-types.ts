// The shape of a CDR's transfer-aware detail, and the call facts and timeline it is derived from.
import type { ExtendedDisposition } from './disposition.js';

export type { ExtendedDisposition } from './disposition.js';

export interface TimelineItem {
  type: string;
  at: Date;
  data: Record<string, unknown>;
}

export type LegRole = 'agent' | 'consult' | 'conference';

export interface CdrLeg {
  role: 'caller' | LegRole;
  agentId: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string;
  talkMs: number;
  holdMs: number;
  endReason: string;
  transferId: string | null;
}

export interface CdrAgent {
  agentId: string;
  roles: LegRole[];
  offeredAt: string | null;
  answeredAt: string | null;
  talkMs: number;
  holdMs: number;
  /** null while the agent is still in wrap-up (the CDR is refreshed when it ends). */
  wrapUpMs: number | null;
  /** What the agent recorded at wrap-up (the last one when recorded again), or null. */
  wrapUp: CdrWrapUp | null;
}

export interface CdrWrapUp {
  code: string;
  label: string;
  note: string | null;
  at: string;
}

export interface CdrTransfer {
  id: string;
  mode: string;
  fromAgentId: string | null;
  to: { agentId?: string; extension?: string; number?: string; queueId?: string };
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  /** `recalled`: the transfer failed and its initiator, rung back, took the caller again. */
  outcome: 'transferred' | 'consulted' | 'cancelled' | 'no_answer' | 'conference' | 'recalled' | 'open';
}

export interface CdrDetail {
  ivrPath: string[];
  queue: { id: string; overflowFrom: string | null } | null;
  queues: Array<{ id: string; at: string; overflowFrom: string | null }>;
  waitMs: number;
  legs: CdrLeg[];
  agents: CdrAgent[];
  transfers: CdrTransfer[];
  conferences: Array<{ at: string; agentIds: string[] }>;
  holdMs: number;
  holdCount: number;
  survey: { rating: unknown; rated: boolean } | null;
  recordings: Array<Record<string, unknown>>;
  disposition: ExtendedDisposition;
  /** False while an agent's wrap-up is still running. */
  complete: boolean;
}

export interface CallFacts {
  createdAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  hangupCause: number | null;
  endReason?: string;
}
