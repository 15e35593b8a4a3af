// The KPI engine: a pure function from the event journal (payloads agreed between the ACD,
// call control and reports) to per-interval rows per queue and per agent.
//
// Attribution: a counted event (offered, answered, abandoned, transfer, survey) belongs to
// the interval it happened in; time in an agent state or on hold is split across the
// intervals it overlaps (a state's span is [left − durationMs, left)). Handle time is the
// agent's on_call + wrap_up time; hold happens while on_call, so talk = on_call − hold and
// handle = talk + hold + wrap-up without counting hold twice.
import { bucketOf, splitSpan, type Bucket, type Granularity } from './buckets.js';

export interface JournalEvent {
  type: string;
  occurredAt: string;
  callId?: string;
  data: Record<string, any>;
}

export interface KpiOptions {
  from: Date;
  to: Date;
  granularity: Granularity;
  timeZone: string;
  /** Service-level answer target T, seconds. */
  serviceLevelSeconds: number;
  /** First-call resolution: the caller must not call again within this many hours. */
  fcrHours: number;
  /** Ratings at or below this count as dissatisfied. */
  dissatisfiedAtOrBelow: number;
}

interface Counters {
  answered: number;
  talkMs: number;
  holdMs: number;
  wrapUpMs: number;
  transfers: number;
  fcrEligible: number;
  fcrResolved: number;
  surveys: number;
  rated: number;
  ratingSum: number;
  dissatisfied: number;
}

interface QueueAcc extends Counters {
  offered: number;
  answeredWithinTarget: number;
  waitMsAnswered: number;
  abandoned: number;
  shortAbandoned: number;
  overflowedIn: number;
  overflowedOut: number;
}

interface AgentAcc extends Counters {
  loggedInMs: number;
  onCallMs: number;
  readyMs: number;
  reservedMs: number;
  notReadyMs: number;
  notReadyByReason: Record<string, number>;
  logouts: number;
  days: Set<string>;
}

export interface QueueKpi {
  interval: string;
  queueId: string;
  offered: number;
  answered: number;
  answeredWithinTarget: number;
  abandoned: number;
  shortAbandoned: number;
  overflowedIn: number;
  overflowedOut: number;
  serviceLevel: number | null;
  asaSeconds: number | null;
  abandonRate: number | null;
  talkSeconds: number;
  holdSeconds: number;
  wrapUpSeconds: number;
  avgHandleSeconds: number | null;
  avgTalkSeconds: number | null;
  transfers: number;
  transferRate: number | null;
  firstCallResolution: number | null;
  surveys: number;
  satisfaction: number | null;
  notRatedShare: number | null;
  dissatisfied: number;
}

export interface AgentKpi {
  interval: string;
  agentId: string;
  answered: number;
  loggedInSeconds: number;
  readySeconds: number;
  onCallSeconds: number;
  talkSeconds: number;
  holdSeconds: number;
  wrapUpSeconds: number;
  notReadySeconds: number;
  notReadyByReason: Record<string, number>;
  avgHandleSeconds: number | null;
  occupancy: number | null;
  notReadyRate: number | null;
  callsPerHour: number | null;
  logouts: number;
  logoutsPerDay: number | null;
  transfers: number;
  transferRate: number | null;
  firstCallResolution: number | null;
  surveys: number;
  satisfaction: number | null;
  notRatedShare: number | null;
  dissatisfied: number;
}

export interface KpiReport {
  queues: QueueKpi[];
  agents: AgentKpi[];
}

const counters = (): Counters => ({
  answered: 0, talkMs: 0, holdMs: 0, wrapUpMs: 0, transfers: 0, fcrEligible: 0, fcrResolved: 0, surveys: 0, rated: 0, ratingSum: 0, dissatisfied: 0,
});

const ratio = (a: number, b: number): number | null => (b > 0 ? round4(a / b) : null);
const seconds = (ms: number) => Math.round(ms) / 1000;
function round4(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}

/** Where a call was answered: the last `call.connected` seen for it. */
interface Answer {
  agentId: string | null;
  queueId: string | null;
}

interface StateContext {
  reason: string | null;
  queueId: string | null;
}

export function computeKpis(journal: JournalEvent[], o: KpiOptions): KpiReport {
  const from = o.from.getTime();
  const to = o.to.getTime();
  const events = journal
    .map((e) => ({ e, at: Date.parse(e.occurredAt) }))
    .filter((x) => Number.isFinite(x.at))
    .sort((a, b) => a.at - b.at);
  const queues = new Map<string, QueueAcc>();
  const agents = new Map<string, AgentAcc>();
  const qAcc = (b: Bucket, id: string) => getOr(queues, `${b.key}\u0000${id}`, () => ({
    ...counters(), offered: 0, answeredWithinTarget: 0, waitMsAnswered: 0, abandoned: 0, shortAbandoned: 0, overflowedIn: 0, overflowedOut: 0,
  }));
  const aAcc = (b: Bucket, id: string) => getOr(agents, `${b.key}\u0000${id}`, () => ({
    ...counters(), loggedInMs: 0, onCallMs: 0, readyMs: 0, reservedMs: 0, notReadyMs: 0, notReadyByReason: {} as Record<string, number>, logouts: 0, days: new Set<string>(),
  }));
  const bucket = (at: number) => bucketOf(at, o.granularity, o.timeZone);
  const inRange = (at: number) => at >= from && at < to;

  // First-call resolution looks ahead: every arrival in the journal read (it reaches past
  // the range).
  const arrivalsByCaller = new Map<string, number[]>();
  for (const { e, at } of events) {
    if (e.type === 'call.queued' && !e.data.queue?.overflowFrom) {
      const n = e.data.caller?.number;
      if (typeof n === 'string' && n !== '') getOr(arrivalsByCaller, n, () => []).push(at);
    }
  }
  // Everything else is causal: who answered a call is known from its connects so far (the
  // last agent to talk to the caller, and the queue the call came through: a transfer's
  // connect has no queue), so a figure never depends on where the range ends.
  const answers = new Map<string, Answer>();
  const context = new Map<string, StateContext>();
  const firstConnect = new Set<string>();

  for (const { e, at } of events) {
    const d = e.data;
    switch (e.type) {
      case 'call.connected': {
        const first = e.callId !== undefined && !firstConnect.has(e.callId);
        if (e.callId) {
          firstConnect.add(e.callId);
          answers.set(e.callId, { agentId: d.agent?.id ?? null, queueId: d.queueId ?? answers.get(e.callId)?.queueId ?? null });
        }
        if (inRange(at)) countConnect(d, at, first);
        break;
      }
      case 'agent.state_changed': {
        const agentId = String(d.agentId);
        const before = context.get(agentId);
        context.set(agentId, { reason: d.reason ?? null, queueId: d.queueId ?? null });
        if (d.to === 'logged_out' && inRange(at)) aAcc(bucket(at), agentId).logouts++;
        const ms = Number(d.durationMs) || 0;
        if (d.from === 'logged_out' || ms <= 0) break;
        const queueId: string | null = d.queueId ?? before?.queueId ?? null;
        // Agent-days (for log-outs per day) need days even when the interval is a month.
        if (o.granularity === 'month')
          for (const [day] of splitSpan(at - ms, at, from, to, 'day', o.timeZone)) aAcc(bucket(day.start), agentId).days.add(day.key);
        const reason: string = (d.from === 'not_ready' ? before?.reason ?? d.reason : null) ?? 'unspecified';
        for (const [b, part] of splitSpan(at - ms, at, from, to, o.granularity, o.timeZone)) {
          const a = aAcc(b, agentId);
          a.loggedInMs += part;
          if (o.granularity !== 'month') a.days.add(b.key.slice(0, 10));
          if (d.from === 'ready') a.readyMs += part;
          else if (d.from === 'reserved') a.reservedMs += part;
          else if (d.from === 'not_ready') {
            a.notReadyMs += part;
            a.notReadyByReason[reason] = (a.notReadyByReason[reason] ?? 0) + part;
          } else if (d.from === 'on_call') {
            a.onCallMs += part;
            a.talkMs += part;
            if (queueId) qAcc(b, queueId).talkMs += part;
          } else if (d.from === 'wrap_up') {
            a.wrapUpMs += part;
            if (queueId) qAcc(b, queueId).wrapUpMs += part;
          }
        }
        break;
      }
      case 'call.resumed': {
        // Hold is inside on_call: move it from talk to hold.
        const ms = Number(d.holdMs) || 0;
        const queueId = e.callId ? answers.get(e.callId)?.queueId : null;
        for (const [b, part] of splitSpan(at - ms, at, from, to, o.granularity, o.timeZone)) {
          if (d.agentId) {
            const a = aAcc(b, String(d.agentId));
            a.holdMs += part;
            a.talkMs -= part;
          }
          if (queueId) {
            const q = qAcc(b, queueId);
            q.holdMs += part;
            q.talkMs -= part;
          }
        }
        break;
      }
      default:
        if (inRange(at)) countEvent(e, at);
    }
  }

  function countEvent(e: JournalEvent, at: number): void {
    const d = e.data;
    const b = bucket(at);
    switch (e.type) {
      case 'call.queued':
        if (d.queue?.overflowFrom) qAcc(b, d.queue.id).overflowedIn++;
        else if (d.queue?.id) qAcc(b, d.queue.id).offered++;
        break;
      case 'call.overflowed':
        if (d.queue?.id) qAcc(b, d.queue.id).overflowedOut++;
        break;
      case 'call.abandoned':
        if (!d.queue?.id) break;
        if (d.short) qAcc(b, d.queue.id).shortAbandoned++;
        else qAcc(b, d.queue.id).abandoned++;
        break;
      case 'call.transfer_completed': {
        const answer = e.callId ? answers.get(e.callId) : undefined;
        const fromAgent = d.transfer?.fromAgentId ?? answer?.agentId;
        if (fromAgent) aAcc(b, fromAgent).transfers++;
        if (answer?.queueId) qAcc(b, answer.queueId).transfers++;
        break;
      }
      case 'survey.completed': {
        const answer = e.callId ? answers.get(e.callId) : undefined;
        const rating = d.survey?.rated ? Number(d.survey.rating) : NaN;
        const targets: Counters[] = [];
        if (answer?.queueId) targets.push(qAcc(b, answer.queueId));
        if (answer?.agentId) targets.push(aAcc(b, answer.agentId));
        for (const t of targets) {
          t.surveys++;
          if (Number.isFinite(rating)) {
            t.rated++;
            t.ratingSum += rating;
            if (rating <= o.dissatisfiedAtOrBelow) t.dissatisfied++;
          }
        }
        break;
      }
    }
  }

  /** An answer counts for the call's first connect only (first-call resolution). */
  function countConnect(d: Record<string, any>, at: number, first: boolean): void {
    const b = bucket(at);
    const waitMs = Number(d.waitMs) || 0;
    const agentId: string | undefined = d.agent?.id;
    const resolved = first ? fcr(d.caller?.number, at) : null;
    const targets: Counters[] = [];
    if (d.queueId) {
      const q = qAcc(b, d.queueId);
      q.answered++;
      q.waitMsAnswered += waitMs;
      if (waitMs <= o.serviceLevelSeconds * 1000) q.answeredWithinTarget++;
      targets.push(q);
    }
    if (agentId) {
      const a = aAcc(b, agentId);
      a.answered++;
      targets.push(a);
    }
    if (resolved !== null) for (const t of targets) {
      t.fcrEligible++;
      if (resolved) t.fcrResolved++;
    }
  }

  /** true when the caller did not queue again within the window; null when unknown. */
  function fcr(number: unknown, at: number): boolean | null {
    if (typeof number !== 'string' || number === '') return null;
    const until = at + o.fcrHours * 3_600_000;
    return !(arrivalsByCaller.get(number) ?? []).some((t) => t > at && t <= until);
  }

  const split = (key: string) => key.split('\u0000') as [string, string];
  const byKey = <T extends { interval: string }>(rows: Array<[string, T]>) =>
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, r]) => r);
  return {
    queues: byKey([...queues].map(([key, q]) => [key, queueRow(...split(key), q)])),
    agents: byKey([...agents].map(([key, a]) => [key, agentRow(...split(key), a, a.days.size)])),
  };
}

/** Sums for one queue and interval, with the parameters (T, FCR window, rating) applied. */
export type QueueSums = QueueAcc;
/** Sums for one agent and interval; agent-days are counted apart. */
export type AgentSums = Omit<AgentAcc, 'days'>;

const common = (c: Counters) => ({
  talkSeconds: seconds(c.talkMs),
  holdSeconds: seconds(c.holdMs),
  wrapUpSeconds: seconds(c.wrapUpMs),
  avgHandleSeconds: c.answered > 0 ? Math.round((c.talkMs + c.holdMs + c.wrapUpMs) / c.answered) / 1000 : null,
  transfers: c.transfers,
  transferRate: ratio(c.transfers, c.answered),
  firstCallResolution: ratio(c.fcrResolved, c.fcrEligible),
  surveys: c.surveys,
  satisfaction: c.rated > 0 ? round4(c.ratingSum / c.rated) : null,
  notRatedShare: ratio(c.surveys - c.rated, c.surveys),
  dissatisfied: c.dissatisfied,
});

export function queueRow(interval: string, queueId: string, q: QueueSums): QueueKpi {
  const denominator = q.offered - q.shortAbandoned;
  return {
    interval, queueId,
    offered: q.offered, answered: q.answered, answeredWithinTarget: q.answeredWithinTarget,
    abandoned: q.abandoned, shortAbandoned: q.shortAbandoned, overflowedIn: q.overflowedIn, overflowedOut: q.overflowedOut,
    serviceLevel: ratio(q.answeredWithinTarget, denominator),
    asaSeconds: q.answered > 0 ? Math.round(q.waitMsAnswered / q.answered) / 1000 : null,
    abandonRate: ratio(q.abandoned, denominator),
    ...common(q),
    avgTalkSeconds: q.answered > 0 ? Math.round(q.talkMs / q.answered) / 1000 : null,
  };
}

export function agentRow(interval: string, agentId: string, a: AgentSums, days: number): AgentKpi {
  return {
    interval, agentId,
    answered: a.answered,
    loggedInSeconds: seconds(a.loggedInMs),
    readySeconds: seconds(a.readyMs),
    onCallSeconds: seconds(a.onCallMs),
    notReadySeconds: seconds(a.notReadyMs),
    notReadyByReason: Object.fromEntries(Object.entries(a.notReadyByReason).map(([r, ms]) => [r, seconds(ms)])),
    occupancy: ratio(a.onCallMs + a.wrapUpMs, a.loggedInMs),
    notReadyRate: ratio(a.notReadyMs, a.loggedInMs),
    callsPerHour: a.loggedInMs > 0 ? round4(a.answered / (a.loggedInMs / 3_600_000)) : null,
    logouts: a.logouts,
    logoutsPerDay: days > 0 ? round4(a.logouts / days) : null,
    ...common(a),
  };
}

function getOr<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}
