// http: a CRM lookup. The runner performs the request and answers with http_result; the
// filler prompt starts only when the answer is slower than filler.afterMs, and repeats
// until the answer arrives (the request's own timeout bounds it).
import type { HttpNode, IvrEvent } from '../contract.js';
import type { Ctx, NodeHandler } from '../engine.js';
import { fillUrl } from '../template.js';

/** RFC 6901 pointer lookup; undefined when the path does not exist. */
export function atPointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function asVar(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function answered(ctx: Ctx, id: string, node: HttpNode, event: Extract<IvrEvent, { type: 'http_result' }>): void {
  ctx.clearPending(); // the filler stops as soon as the answer is there
  if (event.outcome === 'ok') {
    const body = event.body;
    const okStatus = event.status >= 200 && event.status < 300;
    if (okStatus && body !== null && typeof body === 'object') {
      for (const [name, pointer] of Object.entries(node.map ?? {})) {
        const v = asVar(atPointer(body, pointer));
        if (v === undefined) delete ctx.state.vars[name];
        else ctx.state.vars[name] = v;
      }
      ctx.step(id, 'http', 'ok', String(event.status));
      return ctx.go(node.next);
    }
    ctx.step(id, 'http', okStatus ? 'error: answer is not a JSON object' : `error: status ${event.status}`);
    return ctx.go(node.onError);
  }
  if (event.outcome === 'timeout') {
    ctx.step(id, 'http', 'timeout');
    return ctx.go(node.onTimeout ?? node.onError);
  }
  ctx.step(id, 'http', `error: ${event.detail}`);
  ctx.go(node.onError);
}

export const http: NodeHandler<HttpNode> = {
  enter(ctx, id, node) {
    const requestId = ctx.nextId('r');
    const vars = ctx.state.vars;
    const body = node.method === 'POST' && node.bodyVars ? Object.fromEntries(node.bodyVars.map((v) => [v, vars[v] ?? ''])) : undefined;
    ctx.state.pendingRequest = requestId;
    ctx.state.phase = 'requesting';
    ctx.emit({
      type: 'http',
      requestId,
      method: node.method,
      url: fillUrl(node.url, vars),
      secretHeaders: { ...(node.secretHeaders ?? {}) },
      ...(body ? { body } : {}),
      timeoutMs: node.timeoutMs ?? 3000,
    });
    if (node.filler) ctx.startTimer(node.filler.afterMs);
  },
  on(ctx, id, node, event) {
    if (event.type === 'http_result' && event.requestId === ctx.state.pendingRequest) {
      answered(ctx, id, node, event);
    } else if (event.type === 'timer' && node.filler) {
      ctx.state.pendingTimer = undefined;
      ctx.play(node.filler.prompt, 'filler');
    } else if (event.type === 'prompt_finished' && node.filler) {
      ctx.state.pendingPrompt = undefined;
      ctx.play(node.filler.prompt, 'filler');
    }
  },
};
