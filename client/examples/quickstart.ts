import { CtiBridge, NotFoundError, isEvent, parseWebhook, type HeaderBag } from '../src/index.js';
const cti = new CtiBridge({ baseUrl: process.env.CTI_URL ?? 'http://127.0.0.1:8080', apiKey: process.env.CTI_KEY! });
for await (const call of cti.paginate('GET /v1/calls', { query: { live: true } })) console.log('live:', call.id, call.state);
const hook = await cti.request('POST /v1/webhooks', { body: { url: process.env.CRM_HOOK_URL!, eventTypes: ['call.ended', 'cdr.created'] } });
export const onWebhook = (headers: HeaderBag, rawBody: string) => parseWebhook(headers, rawBody, hook.secret); // throws unless signed by us
const events = cti.stream({ after: await cti.latestCursor(), types: ['call.*', 'cdr.created'] }); // from now on; resumes after a drop
const call = await cti.request('POST /v1/calls', { body: { extension: '1001', to: '0612345678' }, idempotencyKey: 'crm-task-4711' }); // a retry places no second call
for await (const e of events) {
  if (e.callId !== call.id) continue;
  if (e.type === 'call.answered') await cti.request('POST /v1/calls/{id}/transfers', { params: { id: call.id }, body: { to: { extension: '1002' }, mode: 'blind' } });
  if (isEvent(e, 'call.transfer_completed')) await cti.request('POST /v1/calls/{id}/hangup', { params: { id: call.id } });
  if (isEvent(e, 'cdr.created')) { console.log('CDR', e.data.cdrId, e.data.disposition, e.data.talkMs); break; }
}
try { await cti.request('GET /v1/cdrs/{id}', { params: { id: '00000000-0000-4000-8000-000000000000' } }); } catch (e) { if (e instanceof NotFoundError) console.log(e.problem.detail); }
