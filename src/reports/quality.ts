// The daily quality lists: callers who rated low and callers who did not rate, each with
// the agent and queue that answered them and where the recording is, when there is one.
import type { JournalEvent } from './kpi.js';

export interface QualityEntry {
  callId: string;
  at: string;
  list: 'dissatisfied' | 'unrated';
  rating: number | null;
  caller: { number: string | null; name: string | null };
  agentId: string | null;
  queueId: string | null;
  /** From the call's data (`recordingUrl` or `recording.url`), set by whoever records. */
  recordingUrl: string | null;
}

export function qualityList(
  events: JournalEvent[],
  opts: { from: Date; to: Date; dissatisfiedAtOrBelow: number; lists: Array<QualityEntry['list']> },
): QualityEntry[] {
  const answers = new Map<string, { agentId: string | null; queueId: string | null }>();
  const sorted = [...events].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  const out: QualityEntry[] = [];
  for (const e of sorted) {
    if (e.type === 'call.connected' && e.callId)
      answers.set(e.callId, { agentId: e.data.agent?.id ?? null, queueId: e.data.queueId ?? answers.get(e.callId)?.queueId ?? null });
    if (e.type !== 'survey.completed' || !e.callId) continue;
    const at = Date.parse(e.occurredAt);
    if (at < opts.from.getTime() || at >= opts.to.getTime()) continue;
    const s = e.data.survey ?? {};
    const rating = s.rated ? Number(s.rating) : null;
    const list: QualityEntry['list'] | null =
      rating === null || !Number.isFinite(rating) ? 'unrated' : rating <= opts.dissatisfiedAtOrBelow ? 'dissatisfied' : null;
    if (!list || !opts.lists.includes(list)) continue;
    const data = e.data.data ?? {};
    const recording = typeof data.recordingUrl === 'string' ? data.recordingUrl : typeof data.recording?.url === 'string' ? data.recording.url : null;
    const answer = answers.get(e.callId);
    out.push({
      callId: e.callId,
      at: e.occurredAt,
      list,
      rating: list === 'unrated' ? null : rating,
      caller: { number: e.data.caller?.number ?? null, name: e.data.caller?.name ?? null },
      agentId: answer?.agentId ?? null,
      queueId: answer?.queueId ?? null,
      recordingUrl: recording,
    });
  }
  return out;
}
