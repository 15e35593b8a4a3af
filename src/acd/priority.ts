// Priority, aging and widening. Aging is continuous (one level per N seconds of
// waiting), so comparing two calls' effective priorities at any instant gives the same
// answer as comparing a fixed key computed once on entry: the order of a queue never
// has to be re-sorted as time passes.
import type { QueueDefinition, Skills, WaitingCall } from './model.js';

/** Priority of a call entering a queue: queue base + matching rules + what the flow asked. */
export function entryPriority(queue: QueueDefinition, data: Record<string, unknown>, asked = 0): number {
  let p = queue.priority + asked;
  for (const rule of queue.priorityRules) {
    const v = data[rule.field];
    if (v !== undefined && v !== null && String(v) === rule.equals) p += rule.add;
  }
  return p;
}

/**
 * Smaller is served first. With aging, priority p is worth p × (seconds per level) of
 * waiting; without, priority dominates and arrival breaks ties.
 */
export function orderKey(call: Pick<WaitingCall, 'priority' | 'enteredMs'>, agingSecondsPerLevel: number): [number, number] {
  if (agingSecondsPerLevel > 0) return [call.enteredMs - call.priority * agingSecondsPerLevel * 1000, call.enteredMs];
  return [-call.priority, call.enteredMs];
}

export function compareKeys(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** Priority at `nowMs`, aging included: what compares calls of different queues. */
export function effectivePriority(call: WaitingCall, queue: QueueDefinition, nowMs: number): number {
  const waited = Math.max(0, nowMs - call.enteredMs) / 1000;
  return call.priority + (queue.agingSecondsPerLevel > 0 ? waited / queue.agingSecondsPerLevel : 0);
}

/** How far the queue's levels are lowered after waiting this long. */
export function wideningAt(queue: QueueDefinition, waitedMs: number): number {
  let lower = 0;
  for (const step of queue.wideningSteps) {
    if (waitedMs >= step.afterSeconds * 1000) lower = Math.max(lower, step.lowerBy);
  }
  return lower;
}

/** When the next widening step fires for a call, or null when none is left. */
export function nextWideningMs(queue: QueueDefinition, call: WaitingCall, nowMs: number): number | null {
  let next: number | null = null;
  for (const step of queue.wideningSteps) {
    const at = call.enteredMs + step.afterSeconds * 1000;
    if (at > nowMs && (next === null || at < next)) next = at;
  }
  return next;
}

/** The skills (with levels) an agent needs for this call now: queue's and call's, widened. */
export function requiredSkills(queue: QueueDefinition, call: WaitingCall, nowMs: number): Skills {
  const lower = wideningAt(queue, nowMs - call.enteredMs);
  const out: Skills = {};
  for (const [s, l] of Object.entries(queue.skills)) out[s] = Math.max(1, l - lower);
  for (const [s, l] of Object.entries(call.skills)) out[s] = Math.max(out[s] ?? 1, Math.max(1, l - lower));
  return out;
}

export function qualifies(agentSkills: Skills, required: Skills): boolean {
  // for-in, not Object.entries: this runs once per candidate agent in every decision.
  for (const s in required) {
    if ((agentSkills[s] ?? 0) < required[s]!) return false;
  }
  return true;
}

/** The queue's own skills at their widest: an agent short of these never serves the queue. */
export function widestQueueSkills(queue: QueueDefinition): Skills {
  const lower = queue.wideningSteps.reduce((m, s) => Math.max(m, s.lowerBy), 0);
  const out: Skills = {};
  for (const [s, l] of Object.entries(queue.skills)) out[s] = Math.max(1, l - lower);
  return out;
}

/** Call-attached data may ask for skills: `skill_<name>` = level (set by the IVR). */
export function skillsFromData(data: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(data)) {
    if (!k.startsWith('skill_')) continue;
    const level = Number(v);
    if (Number.isInteger(level) && level >= 1 && level <= 5) out[k.slice(6)] = level;
  }
  return out;
}

/**
 * The priority that puts a call entering now ahead of every call already waiting in the
 * queue (a caller given back after a failed transfer goes to the front, not the back):
 * its own entry priority if that already does, else one level above what the head needs.
 */
export function frontPriority(queue: QueueDefinition, waiting: readonly Pick<WaitingCall, 'priority' | 'enteredMs'>[], nowMs: number, base: number): number {
  if (waiting.length === 0) return base;
  const aging = queue.agingSecondsPerLevel;
  const head = Math.min(...waiting.map((w) => orderKey(w, aging)[0]));
  // orderKey's first term for priority p entering now: now - p·aging (with aging) or -p (without).
  const needed = aging > 0 ? (nowMs - head) / (aging * 1000) : -head;
  return Math.max(base, Math.floor(needed) + 1);
}
