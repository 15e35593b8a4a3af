// Sample centre for the wallboard screenshots: twenty queues, sixty agents, and journal
// events for earlier traffic (today so far and the same weekday last week) with a
// plausible daily curve. Seeded, so every run draws the same centre.
import { randomUUID } from 'node:crypto';

export const QUEUES = [
  ['sales', 'Sales', 80, 20], ['orders', 'Order status', 90, 15], ['returns', 'Returns', 80, 30], ['billing', 'Billing', 80, 30],
  ['delivery', 'Delivery', 85, 20], ['vip', 'VIP line', 95, 10], ['complaints', 'Complaints', 80, 30], ['tech', 'Technical support', 80, 60],
  ['payments', 'Payments', 85, 20], ['wholesale', 'Wholesale', 80, 30], ['parts', 'Spare parts', 80, 30], ['warranty', 'Warranty', 80, 30],
  ['catalogue', 'Catalogue requests', 70, 60], ['subscriptions', 'Subscriptions', 80, 30], ['loyalty', 'Loyalty club', 80, 30],
  ['partners', 'Partners', 90, 20], ['insurance', 'Insurance', 80, 30], ['installs', 'Installations', 80, 45], ['accounts', 'Accounts', 80, 30],
  ['corporate', 'Corporate', 90, 20],
].map(([id, name, percent, seconds]) => ({ id: id as string, name: name as string, serviceLevel: { percent: percent as number, seconds: seconds as number } }));

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Alan', 'Barbara', 'Dennis', 'Frances', 'Ken', 'Radia', 'Tim', 'Hedy', 'John', 'Katherine', 'Edsger', 'Lynn', 'Donald', 'Sophie', 'Niklaus', 'Anita'];
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Turing', 'Liskov', 'Ritchie', 'Allen', 'Thompson', 'Perlman', 'Berners-Lee', 'Lamarr', 'McCarthy', 'Johnson', 'Dijkstra', 'Conway', 'Knuth', 'Wilson', 'Wirth', 'Borg'];
const REASONS = ['lunch', 'training', 'coaching', 'meeting', 'break'];

/** A small seeded generator (mulberry32): the same centre on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SampleAgent {
  id: string;
  name: string;
  endpoint: string;
  skills: Record<string, number>;
  notReady: string | null;
}

/** Sixty agents: the first six staff sales (three ready to take the calls), the rest two or three other queues. */
export function agentsFor(queueIds: string[]): SampleAgent[] {
  const rnd = random(7);
  return Array.from({ length: 60 }, (_, i) => {
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length]}`;
    const skills: Record<string, number> = {};
    if (i < 6) skills.sales = 3;
    else for (let k = 0; k < 2 + (i % 2); k++) skills[queueIds[1 + Math.floor(rnd() * (queueIds.length - 1))]!] = 1 + Math.floor(rnd() * 5);
    const notReady = i < 6 ? (i >= 3 ? REASONS[i % REASONS.length]! : null) : rnd() < 0.3 ? REASONS[Math.floor(rnd() * REASONS.length)]! : null;
    return { id: `agent${String(i + 1).padStart(2, '0')}`, name, endpoint: `PJSIP/${2001 + i}`, skills, notReady };
  });
}

/** Calls per quarter hour at a local hour: a morning and an afternoon peak. */
const curve = (hour: number) => Math.max(0, 3 * Math.exp(-((hour - 10.5) ** 2) / 3) + 2.2 * Math.exp(-((hour - 15) ** 2) / 4));

interface Event {
  id: string;
  type: string;
  version: 1;
  occurredAt: string;
  callId?: string;
  data: Record<string, unknown>;
}

/** Earlier traffic of every queue: since 07:00 today (up to a quarter hour ago) and 07:00–20:00 a week ago, UTC. */
export function historyEvents(now: number): Event[] {
  const rnd = random(42);
  const events: Event[] = [];
  const day = Math.floor(now / 86_400_000) * 86_400_000;
  const spans: Array<[number, number, number]> = [
    [day + 7 * 3_600_000, now - 900_000, 1],
    [day - 7 * 86_400_000 + 7 * 3_600_000, day - 7 * 86_400_000 + 20 * 3_600_000, 1.15],
  ];
  const at = (t: number) => new Date(t).toISOString();
  QUEUES.forEach((q, qi) => {
    const size = qi === 0 ? 2 : 0.4 + rnd() * 1.2;
    for (const [from, to, scale] of spans) {
      for (let t = from; t < to; t += 900_000) {
        const hour = (t - Math.floor(t / 86_400_000) * 86_400_000) / 3_600_000;
        const calls = Math.round(curve(hour) * size * scale * (0.6 + rnd() * 0.8));
        for (let c = 0; c < calls; c++) {
          const callId = randomUUID();
          const queued = t + Math.floor(rnd() * 900_000);
          const waitMs = Math.floor(rnd() ** 2 * q.serviceLevel.seconds * 3000);
          events.push({ id: randomUUID(), type: 'call.queued', version: 1, occurredAt: at(queued), callId, data: { callId, queue: { id: q.id, priority: 0, position: 1 } } });
          if (rnd() < 0.08) {
            events.push({ id: randomUUID(), type: 'call.abandoned', version: 1, occurredAt: at(queued + waitMs), callId, data: { callId, queue: { id: q.id, position: 1 }, waitMs, short: false } });
            continue;
          }
          const agentId = `history-${q.id}`;
          const talkMs = 60_000 + Math.floor(rnd() * 240_000);
          events.push({ id: randomUUID(), type: 'call.connected', version: 1, occurredAt: at(queued + waitMs), callId, data: { callId, queueId: q.id, waitMs, agent: { id: agentId } } });
          // Talk time for the queue's handle time; the stand-in agent leaves at once, so no tile shows it.
          events.push({
            id: randomUUID(), type: 'agent.state_changed', version: 1, occurredAt: at(queued + waitMs + talkMs),
            data: { agentId, from: 'on_call', to: 'logged_out', reason: null, durationMs: talkMs, callId, queueId: q.id },
          });
        }
      }
    }
  });
  return events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
}
