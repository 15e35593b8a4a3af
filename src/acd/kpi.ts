// Queue KPIs as plain arithmetic, so the numbers the API shows are tested without I/O.

export interface DayCounts {
  offered: number;
  answered: number;
  answeredWithinTarget: number;
  abandoned: number;
  shortAbandoned: number;
  overflowed: number;
  totalAnswerWaitMs: number;
}

/** Answered within the target over offered minus short abandons, in percent; null with no calls. */
export function serviceLevelPercent(c: DayCounts): number | null {
  const base = c.offered - c.shortAbandoned;
  if (base <= 0) return null;
  return Math.round((c.answeredWithinTarget / base) * 1000) / 10;
}

export function averageSpeedOfAnswer(c: DayCounts): number | null {
  return c.answered > 0 ? Math.round(c.totalAnswerWaitMs / c.answered / 100) / 10 : null;
}

/**
 * A plain estimate of how long a call at `position` waits: nothing when an agent is
 * free for it; otherwise the calls ahead shared among the agents who can serve it, each
 * taking a typical handle time. null when nobody logged in can serve it at all.
 */
export function expectedWaitSeconds(position: number, readyAgents: number, busyAgents: number, handleSeconds = 180): number | null {
  if (readyAgents >= position) return 0;
  const staffed = readyAgents + busyAgents;
  if (staffed === 0) return null;
  return Math.ceil((position - readyAgents) / staffed) * handleSeconds;
}
