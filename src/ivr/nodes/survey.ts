// survey: after the agent leg the caller rates the service with one key. No answer (or a
// second wrong key) records "not rated" (rating null) — supervisors review those too.
import type { SurveyNode } from '../contract.js';
import type { Ctx, NodeHandler } from '../engine.js';

const THREE_POINT: Record<string, string> = { '1': 'satisfied', '2': 'neutral', '3': 'dissatisfied' };
/** Wrong keys accepted before the survey gives up. */
const INVALID_TRIES = 1;

export function rating(scale: SurveyNode['scale'], digit: string): string | undefined {
  if (scale === '1-5') return /^[1-5]$/.test(digit) ? digit : undefined;
  return THREE_POINT[digit];
}

function record(ctx: Ctx, id: string, node: SurveyNode, value: string | null, input?: string): void {
  ctx.clearPending();
  ctx.emit({ type: 'survey_result', rating: value });
  ctx.step(id, 'survey', value === null ? 'not rated' : 'rated', input);
  if (!node.thanksPrompt || !ctx.play(node.thanksPrompt, 'thanks')) ctx.hangup();
}

export const survey: NodeHandler<SurveyNode> = {
  enter(ctx, id, node) {
    if (!ctx.play(node.prompt, 'prompting')) record(ctx, id, node, null);
  },
  on(ctx, id, node, event) {
    const s = ctx.state;
    if (s.phase === 'thanks') {
      if (event.type === 'prompt_finished') ctx.hangup();
      return;
    }
    if (event.type === 'prompt_finished') {
      s.pendingPrompt = undefined;
      s.phase = 'waiting';
      ctx.startTimer(node.timeoutMs ?? 8000);
    } else if (event.type === 'dtmf' && (s.phase === 'waiting' || node.prompt.bargeIn !== false)) {
      const value = rating(node.scale, event.digit);
      if (value !== undefined) return record(ctx, id, node, value, event.digit);
      ctx.clearPending();
      s.tries += 1;
      if (s.tries > INVALID_TRIES) return record(ctx, id, node, null, event.digit);
      ctx.step(id, 'survey', 'invalid', event.digit);
      if (!ctx.play(node.prompt, 'prompting')) record(ctx, id, node, null);
    } else if (event.type === 'timer' && s.phase === 'waiting') {
      s.pendingTimer = undefined;
      record(ctx, id, node, null);
    }
  },
};
