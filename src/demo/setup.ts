// What the demo sets up through its own API, with the typed client as an integrator
// would: the sales queue and its agents, its one webhook subscription and its wallboard
// and agent panel links. Each step first looks for what the previous run left and reuses it.
import { ConflictError, CtiBridge, NotFoundError, UnauthorizedError } from '../../client/src/index.js';
import type { DemoState } from './state.js';
import type { DemoReceiver } from './receiver.js';

/** True when the key still opens the API (the database may have been replaced since). */
export async function keyWorks(baseUrl: string, apiKey: string): Promise<boolean> {
  try {
    await new CtiBridge({ baseUrl, apiKey }).request('GET /v1/webhooks', { query: { limit: 1 } });
    return true;
  } catch (err) {
    if (err instanceof UnauthorizedError) return false;
    throw err;
  }
}

const tolerateConflict = (err: unknown) => {
  if (!(err instanceof ConflictError)) throw err;
};

/** The sales queue of the hotline and three agents on the simulator's phones. */
export async function staffSalesQueue(cti: CtiBridge): Promise<void> {
  await cti.request('PUT /v1/skills/{name}', { params: { name: 'orders' }, body: { description: 'Order taking' } });
  await cti
    .request('POST /v1/queues', {
      body: {
        id: 'sales',
        name: 'Sales',
        skills: { orders: 1 },
        serviceLevel: { percent: 90, seconds: 10 },
        announceEverySeconds: 20,
        priorityRules: [{ field: 'vip', equals: 'true', add: 10 }],
      },
    })
    .catch(tolerateConflict);
  await cti.request('PUT /v1/not-ready-reasons', { body: { items: [{ code: 'lunch', label: 'Lunch' }, { code: 'training', label: 'Training' }] } });
  await cti.request('PUT /v1/disposition-codes', {
    body: { items: [{ code: 'sale', label: 'Sale' }, { code: 'info', label: 'Information only' }, { code: 'callback', label: 'Call back' }] },
  });
  const agents = [
    ['ada', 'Ada Lovelace', 'PJSIP/1001', 5],
    ['grace', 'Grace Hopper', 'PJSIP/1002', 4],
    ['linus', 'Linus Torvalds', 'PJSIP/1003', 3],
  ] as const;
  for (const [id, name, endpoint, level] of agents) {
    await cti.request('POST /v1/agents', { body: { id, name, endpoint, skills: { orders: level }, wrapUpSeconds: 5 } }).catch(tolerateConflict);
    for (const action of ['login', 'ready'] as const) {
      await cti.request('POST /v1/agents/{id}/state', { params: { id }, body: { action } }).catch(tolerateConflict);
    }
  }
}

/**
 * The receiver's one subscription: the previous run's when it still exists and points at
 * the receiver, else a new one (and the old one deleted), so runs never pile them up.
 */
export async function ensureWebhook(cti: CtiBridge, state: DemoState, receiver: DemoReceiver): Promise<void> {
  const previous = state.webhook;
  if (previous) {
    const sub = await cti.request('GET /v1/webhooks/{id}', { params: { id: previous.id } }).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    if (sub && sub.url === receiver.url && sub.enabled) {
      receiver.secret = previous.secret;
      return;
    }
    if (sub) await cti.request('DELETE /v1/webhooks/{id}', { params: { id: previous.id } });
  }
  const created = await cti.request('POST /v1/webhooks', { body: { url: receiver.url, eventTypes: [], description: 'demo receiver' } });
  receiver.secret = created.secret;
  state.webhook = { id: created.id, secret: created.secret, port: receiver.port };
}

/** The wallboard link: the previous run's while it still opens the wallboard, else a new one. */
export async function ensureWallboard(cti: CtiBridge, baseUrl: string, state: DemoState): Promise<string> {
  if (state.wallboardPath) {
    const res = await fetch(`${baseUrl}${state.wallboardPath}`);
    await res.body?.cancel();
    if (res.ok) return state.wallboardPath;
  }
  const link = await cti.request('POST /v1/wallboard/tokens', { body: { label: 'demo', ttlHours: 24 * 365 } });
  state.wallboardPath = link.url;
  return link.url;
}

/** Ada's agent panel link: the previous run's while it is live, else a new one. */
export async function ensurePanelLink(cti: CtiBridge, state: DemoState): Promise<string> {
  if (state.panelLink) {
    const { items } = await cti.request('GET /v1/agent-panel/links', { query: { agentId: 'ada' } });
    if (items.some((link) => link.id === state.panelLink?.id)) return state.panelLink.url;
  }
  const link = await cti.request('POST /v1/agent-panel/links', { body: { agentId: 'ada', label: 'demo', ttlHours: 24 * 365 } });
  state.panelLink = { id: link.id, url: link.url };
  return link.url;
}
