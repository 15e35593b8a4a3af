// The rollup fold: journal events, in journal order, into KPI partial sums per queue and
// agent per UTC quarter hour. Pure: what it must remember between events (who answered a
// call, an agent's last state, first answers whose caller may still call again) lives in
// a FoldMemory the caller loads before and stores after; the sums are deltas to add.
//
// It follows the KPI engine (kpi.ts) rule for rule. Where the engine needs a parameter
// (answered within T, ratings at or below, no repeat within N hours) the sums keep a
// histogram so that any parameter is answered later; spans are cut at quarter hours.
import type { JournalEvent } from './kpi.js';

export const QUARTER_MS = 900_000;
/** The schema's largest service-level target, seconds: longer waits are never within it. */
export const MAX_TARGET_SECONDS = 3600;
/** The schema's largest first-call-resolution window, hours. */
export const MAX_FCR_HOURS = 720;

export type Kind = 'q' | 'a';

export interface RollupSums {
  offered: number;
  answered: number;
  waits: Record<string, number>;
  waitMsAnswered: number;
  abandoned: number;
  shortAbandoned: number;
  overflowedIn: number;
  overflowedOut: number;
  talkMs: number;
  holdMs: number;
  wrapUpMs: number;
  loggedInMs: number;
  readyMs: number;
  reservedMs: number;
  onCallMs: number;
  notReadyMs: number;
  notReadyByReason: Record<string, number>;
  logouts: number;
  transfers: number;
  fcrEligible: number;
  fcrRepeats: Record<string, number>;
  surveys: number;
  ratings: Record<string, number>;
}

export interface RollupDelta extends RollupSums {
  kind: Kind;
  subject: string;
  bucket: number;
}

export interface CallAnswer {
  agentId: string | null;
  queueId: string | null;
  seenAt: number;
}

export interface AgentContext {
  reason: string | null;
  queueId: string | null;
}

export interface OpenAnswer {
  at: number;
  queueId: string | null;
  agentId: string | null;
}

/** What the fold reads and updates; the caller holds the entries the batch may touch. */
export interface FoldMemory {
  answers: Map<string, CallAnswer>;
  context: Map<string, AgentContext>;
  /** First answers per caller number whose caller has not queued again yet. */
  open: Map<string, OpenAnswer[]>;
}

export const emptySums = (): RollupSums => ({
  offered: 0, answered: 0, waits: {}, waitMsAnswered: 0, abandoned: 0, shortAbandoned: 0, overflowedIn: 0, overflowedOut: 0,
  talkMs: 0, holdMs: 0, wrapUpMs: 0, loggedInMs: 0, readyMs: 0, reservedMs: 0, onCallMs: 0, notReadyMs: 0, notReadyByReason: {},
  logouts: 0, transfers: 0, fcrEligible: 0, fcrRepeats: {}, surveys: 0, ratings: {},
});

export const quarterOf = (at: number): number => Math.floor(at / QUARTER_MS) * QUARTER_MS;

/** [start, end) cut at quarter hours: (quarter start, overlap ms). */
export function* quarters(start: number, end: number): Generator<[number, number]> {
  let t = start;
  while (t < end) {
    const q = quarterOf(t);
    const pieceEnd = Math.min(q + QUARTER_MS, end);
    yield [q, pieceEnd - t];
    t = pieceEnd;
  }
}

export function addTo(map: Record<string, number>, key: string, v: number): void {
  map[key] = (map[key] ?? 0) + v;
}

export class RollupDeltas {
  readonly rows = new Map<string, RollupDelta>();

  get(kind: Kind, subject: string, bucket: number): RollupDelta {
    const key = `${kind}\u0000${subject}\u0000${bucket}`;
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = { kind, subject, bucket, ...emptySums() }));
    return row;
  }
}

/** Folds events (journal order) into `deltas`, updating `memory`. */
export function foldEvents(events: Iterable<JournalEvent>, memory: FoldMemory, deltas: RollupDeltas): void {
  const q = (id: string, at: number) => deltas.get('q', id, quarterOf(at));
  const a = (id: string, at: number) => deltas.get('a', id, quarterOf(at));

  for (const e of events) {
    const at = Date.parse(e.occurredAt);
    if (!Number.isFinite(at)) continue;
    const d = e.data;
    switch (e.type) {
      case 'agent.state_changed': {
        const agentId = String(d.agentId);
        const before = memory.context.get(agentId);
        memory.context.set(agentId, { reason: d.reason ?? null, queueId: d.queueId ?? null });
        if (d.to === 'logged_out') a(agentId, at).logouts++;
        const ms = Number(d.durationMs) || 0;
        if (d.from === 'logged_out' || ms <= 0) break;
        const queueId: string | null = d.queueId ?? before?.queueId ?? null;
        const reason: string = (d.from === 'not_ready' ? before?.reason ?? d.reason : null) ?? 'unspecified';
        for (const [bucket, part] of quarters(at - ms, at)) {
          const r = deltas.get('a', agentId, bucket);
          r.loggedInMs += part;
          if (d.from === 'ready') r.readyMs += part;
          else if (d.from === 'reserved') r.reservedMs += part;
          else if (d.from === 'not_ready') {
            r.notReadyMs += part;
            addTo(r.notReadyByReason, reason, part);
          } else if (d.from === 'on_call') {
            r.onCallMs += part;
            r.talkMs += part;
            if (queueId) deltas.get('q', queueId, bucket).talkMs += part;
          } else if (d.from === 'wrap_up') {
            r.wrapUpMs += part;
            if (queueId) deltas.get('q', queueId, bucket).wrapUpMs += part;
          }
        }
        break;
      }
      case 'call.resumed': {
        // Hold is inside on_call: move it from talk to hold.
        const ms = Number(d.holdMs) || 0;
        const queueId = e.callId ? memory.answers.get(e.callId)?.queueId : null;
        for (const [bucket, part] of quarters(at - ms, at)) {
          for (const r of [d.agentId ? deltas.get('a', String(d.agentId), bucket) : null, queueId ? deltas.get('q', queueId, bucket) : null]) {
            if (!r) continue;
            r.holdMs += part;
            r.talkMs -= part;
          }
        }
        break;
      }
      case 'call.queued': {
        if (d.queue?.overflowFrom) q(d.queue.id, at).overflowedIn++;
        else {
          if (d.queue?.id) q(d.queue.id, at).offered++;
          const n = d.caller?.number;
          if (typeof n === 'string' && n !== '') repeatFrom(n, at);
        }
        break;
      }
      case 'call.overflowed':
        if (d.queue?.id) q(d.queue.id, at).overflowedOut++;
        break;
      case 'call.abandoned':
        if (!d.queue?.id) break;
        if (d.short) q(d.queue.id, at).shortAbandoned++;
        else q(d.queue.id, at).abandoned++;
        break;
      case 'call.connected': {
        const first = e.callId !== undefined && !memory.answers.has(e.callId);
        const agentId: string | null = d.agent?.id ?? null;
        const queueId: string | null = d.queueId ?? null;
        if (e.callId)
          memory.answers.set(e.callId, { agentId, queueId: queueId ?? memory.answers.get(e.callId)?.queueId ?? null, seenAt: at });
        const waitMs = Number(d.waitMs) || 0;
        const eligible = first && typeof d.caller?.number === 'string' && d.caller.number !== '';
        const targets: RollupDelta[] = [];
        if (queueId) {
          const r = q(queueId, at);
          r.answered++;
          r.waitMsAnswered += waitMs;
          addTo(r.waits, String(Math.min(Math.max(Math.ceil(waitMs / 1000), 0), MAX_TARGET_SECONDS + 1)), 1);
          targets.push(r);
        }
        if (agentId) {
          const r = a(agentId, at);
          r.answered++;
          targets.push(r);
        }
        if (eligible && targets.length) {
          for (const r of targets) r.fcrEligible++;
          const list = memory.open.get(d.caller.number) ?? [];
          list.push({ at, queueId, agentId });
          memory.open.set(d.caller.number, list);
        }
        break;
      }
      case 'call.transfer_completed': {
        const answer = e.callId ? memory.answers.get(e.callId) : undefined;
        const fromAgent = d.transfer?.fromAgentId ?? answer?.agentId;
        if (fromAgent) a(fromAgent, at).transfers++;
        if (answer?.queueId) q(answer.queueId, at).transfers++;
        break;
      }
      case 'survey.completed': {
        const answer = e.callId ? memory.answers.get(e.callId) : undefined;
        const rating = d.survey?.rated ? Number(d.survey.rating) : NaN;
        const targets: RollupDelta[] = [];
        if (answer?.queueId) targets.push(q(answer.queueId, at));
        if (answer?.agentId) targets.push(a(answer.agentId, at));
        for (const r of targets) {
          r.surveys++;
          if (Number.isFinite(rating)) addTo(r.ratings, String(rating), 1);
        }
        break;
      }
    }
  }

  /** A caller queued again at `at`: their earlier first answers learn how long it took. */
  function repeatFrom(number: string, at: number): void {
    const list = memory.open.get(number);
    if (!list?.length) return;
    const still = list.filter((o) => o.at >= at);
    for (const o of list) {
      if (o.at >= at) continue;
      const hours = Math.ceil((at - o.at) / 3_600_000);
      if (hours > MAX_FCR_HOURS) continue;
      if (o.queueId) addTo(deltas.get('q', o.queueId, quarterOf(o.at)).fcrRepeats, String(hours), 1);
      if (o.agentId) addTo(deltas.get('a', o.agentId, quarterOf(o.at)).fcrRepeats, String(hours), 1);
    }
    memory.open.set(number, still);
  }
}
