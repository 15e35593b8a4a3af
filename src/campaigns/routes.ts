// Campaign REST API: campaigns, contact lists (CSV upload or a source), what is due now,
// outcomes, and the do-not-call list. The scheduler is scheduler.ts; offering to agents is
// the ACD's (acd-seam.ts).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULT_DIAL_POLICY, checkDestination, type DialPolicy } from '../calls/dial-policy.js';
import type { Db } from '../db/pool.js';
import { creatorKey, ownerFilter, visibleTo } from '../api/ownership.js';
import { ProblemError, notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { isTimeZone } from '../local-time.js';
import { CsvError, parseContactsCsv, type RejectedRow } from './contacts-csv.js';
import type { Campaign, ContactInput } from './model.js';
import {
  addContacts, addDoNotCall, contactCounts, createCampaign, getCampaign, listCampaigns, listContacts, listDoNotCall, removeDoNotCall, setCampaignQueue, setCampaignStatus,
} from './repository.js';
import {
  CampaignList, CampaignParams, CampaignSchema, ContactList, ContactParams, ContactSchema, ContactsQuery, CreateCampaignBody, DncBody, DncList,
  DncParams, DncResult, DueList, DueQuery, ImportResult, LimitQuery, OutcomeBody, StatusBody,
} from './schemas.js';
import { OutcomeError } from './scheduler.js';
import { ContactNotFound, dueNow, recordOutcome } from './service.js';
import { SourceRegistry } from './sources.js';

export interface CampaignRouteOptions {
  db: Db;
  sources?: SourceRegistry;
  /** The dial policy of the importing key (its own, else the configured one); the built-in one without it. */
  dialPolicy?: (apiKeyId: string | null) => Promise<DialPolicy>;
  /** Largest CSV upload, bytes. */
  csvLimitBytes?: number;
}

const TAGS = ['campaigns'];
const NUMBER = /^\+?[0-9]{1,20}$/;

export async function campaignRoutes(app: FastifyInstance, opts: CampaignRouteOptions): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = opts;
  const sources = opts.sources ?? new SourceRegistry();
  const policyOf = (req: FastifyRequest): Promise<DialPolicy> => (opts.dialPolicy ? opts.dialPolicy(req.apiKey?.id ?? null) : Promise.resolve(DEFAULT_DIAL_POLICY));
  const csvLimit = opts.csvLimitBytes ?? 10 * 1024 * 1024;
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: csvLimit }, (_req, body, done) => done(null, body));

  /** Another key's campaign is as absent as a missing one. */
  async function campaignOr404(id: string, req: FastifyRequest): Promise<Campaign> {
    const c = await getCampaign(db, id);
    if (!c || !visibleTo(ownerFilter(req), c.ownerKeyId)) throw notFound('campaign', id);
    return c;
  }

  /** Contacts from any source pass the same gate as an uploaded file: dial policy, DNC at dial time. */
  async function importContacts(campaign: Campaign, inputs: ContactInput[], rejected: RejectedRow[], received: number) {
    const added = await addContacts(db, campaign.id, inputs);
    return { received, added, alreadyInCampaign: inputs.length - added, rejected };
  }

  r.post(
    '/v1/campaigns',
    {
      config: { scopes: ['campaigns:write'] },
      schema: {
        tags: TAGS,
        summary: 'Create an outbound follow-up campaign',
        description:
          'Calling hours are local to `timeZone` and bind every attempt, call-backs included. Sources: `csv` (upload ' +
          'contacts), `silent_callers` (inbound callers with no call for N months), `orders_after_delivery` (orders ' +
          'delivered N days ago, the order shown to the agent) and `customers_without_order` (no order for N months). ' +
          'With `queueId`, due contacts are offered to that queue\'s ready agents as preview tasks.',
        body: CreateCampaignBody,
        response: { 201: CampaignSchema, ...problemResponses(...authProblems, 422) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (!isTimeZone(b.timeZone)) throw new ProblemError(422, `timeZone '${b.timeZone}' is not an IANA time zone`);
      if (!sources.has(b.source.type)) throw new ProblemError(422, `contact source '${b.source.type}' is not available in this installation`);
      const bad = b.callingHours.findIndex((w) => w.from >= w.to);
      if (bad !== -1) throw new ProblemError(422, `callingHours[${bad}]: 'from' must be before 'to'`);
      if (b.queueId && !(await db.query('SELECT 1 FROM acd_queues WHERE id = $1', [b.queueId])).rowCount) throw new ProblemError(422, `queue '${b.queueId}' does not exist`);
      const c = await createCampaign(db, { ...b, ownerKeyId: creatorKey(req) });
      return reply.code(201).header('location', `/v1/campaigns/${c.id}`).send(c);
    },
  );

  r.get(
    '/v1/campaigns',
    { config: { scopes: ['campaigns:read'] }, schema: { tags: TAGS, summary: 'List campaigns, newest first', response: { 200: CampaignList, ...problemResponses(...authProblems) } } },
    async (req) => ({ items: await listCampaigns(db, ownerFilter(req)) }),
  );

  r.get(
    '/v1/campaigns/:id',
    {
      config: { scopes: ['campaigns:read'] },
      schema: { tags: TAGS, summary: 'One campaign with its contacts counted by status', params: CampaignParams, response: { 200: CampaignSchema, ...problemResponses(...authProblems, 404) } },
    },
    async (req) => {
      const c = await campaignOr404(req.params.id, req);
      return { ...c, contacts: await contactCounts(db, c.id) };
    },
  );

  r.patch(
    '/v1/campaigns/:id',
    {
      config: { scopes: ['campaigns:write'] },
      schema: { tags: TAGS, summary: "Pause, resume or finish a campaign, or change the queue whose agents take its contacts", params: CampaignParams, body: StatusBody, response: { 200: CampaignSchema, ...problemResponses(...authProblems, 404, 422) } },
    },
    async (req) => {
      const { status, queueId } = req.body;
      await campaignOr404(req.params.id, req);
      if (queueId && !(await db.query('SELECT 1 FROM acd_queues WHERE id = $1', [queueId])).rowCount) throw new ProblemError(422, `queue '${queueId}' does not exist`);
      if (queueId !== undefined) await setCampaignQueue(db, req.params.id, queueId);
      const c = status !== undefined ? await setCampaignStatus(db, req.params.id, status) : await getCampaign(db, req.params.id);
      if (!c) throw notFound('campaign', req.params.id);
      return c;
    },
  );

  r.post(
    '/v1/campaigns/:id/contacts',
    {
      config: { scopes: ['campaigns:write'] },
      schema: {
        tags: TAGS,
        summary: 'Upload contacts as CSV (Content-Type: text/csv)',
        description:
          'The first row names the columns: `number` (required), `name`, `reference`; other columns become the data the ' +
          "agent previews. Numbers must pass the importing key’s dial policy (its own, else the configured one). Bad rows are listed by line in `rejected`; good rows " +
          'are kept. A number already in the campaign is not added twice.',
        params: CampaignParams,
        response: { 200: ImportResult, ...problemResponses(...authProblems, 404, 415, 422) },
      },
    },
    async (req) => {
      const campaign = await campaignOr404(req.params.id, req);
      if (typeof req.body !== 'string') throw new ProblemError(415, 'send the contact list as text/csv');
      let parsed;
      try {
        parsed = parseContactsCsv(req.body, await policyOf(req));
      } catch (err) {
        if (err instanceof CsvError) throw new ProblemError(422, err.message);
        throw err;
      }
      return importContacts(campaign, parsed.contacts, parsed.rejected, parsed.contacts.length + parsed.rejected.length);
    },
  );

  r.post(
    '/v1/campaigns/:id/contacts/import',
    {
      config: { scopes: ['campaigns:write'] },
      schema: {
        tags: TAGS,
        summary: "Fill the contact list from the campaign's source",
        description: 'Run it again to pick up new contacts; numbers already in the campaign are kept as they are.',
        params: CampaignParams,
        response: { 200: ImportResult, ...problemResponses(...authProblems, 404, 422) },
      },
    },
    async (req) => {
      const campaign = await campaignOr404(req.params.id, req);
      const source = sources.get(campaign.source.type);
      if (!source) throw new ProblemError(422, `campaign source '${campaign.source.type}' has nothing to import (upload a CSV instead)`);
      const raw = await source.contacts(db, campaign, new Date());
      const policy = await policyOf(req);
      const good: ContactInput[] = [];
      const rejected: RejectedRow[] = [];
      raw.forEach((c, i) => {
        const check = checkDestination(c.number, policy);
        if (check.ok) good.push({ ...c, number: check.number });
        else rejected.push({ line: i + 1, reason: check.reason });
      });
      return importContacts(campaign, good, rejected, raw.length);
    },
  );

  r.get(
    '/v1/campaigns/:id/contacts',
    {
      config: { scopes: ['campaigns:read'] },
      schema: { tags: TAGS, summary: 'Contacts of a campaign', params: CampaignParams, querystring: ContactsQuery, response: { 200: ContactList, ...problemResponses(...authProblems, 404) } },
    },
    async (req) => {
      const campaign = await campaignOr404(req.params.id, req);
      return { items: await listContacts(db, campaign.id, { status: req.query.status as never, limit: req.query.limit ?? 100 }) };
    },
  );

  r.get(
    '/v1/campaigns/:id/due',
    {
      config: { scopes: ['campaigns:read'] },
      schema: {
        tags: TAGS,
        summary: 'Contacts due now, in the order they would be offered',
        description:
          'Call-backs whose time has come, offers no agent took in time, first attempts, then retries whose spacing ' +
          'has passed; never outside calling hours, never a number on the do-not-call list.',
        params: CampaignParams,
        querystring: DueQuery,
        response: { 200: DueList, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      const campaign = await campaignOr404(req.params.id, req);
      const at = req.query.at ? new Date(req.query.at) : new Date();
      return { at: at.toISOString(), items: await dueNow(db, campaign, at, req.query.limit ?? 50) };
    },
  );

  r.post(
    '/v1/campaigns/:id/contacts/:contactId/outcome',
    {
      config: { scopes: ['campaigns:write'] },
      schema: {
        tags: TAGS,
        summary: 'Record the outcome of an attempt',
        description:
          '`reached` and `wrong_number` close the contact; `no_answer` and `busy` retry after the spacing until the ' +
          'attempts are used up; `callback` needs `callbackAt`; `do_not_call` closes it and adds the number to the list.',
        params: ContactParams,
        body: OutcomeBody,
        response: { 200: ContactSchema, ...problemResponses(...authProblems, 404, 409, 422) },
      },
    },
    async (req) => {
      const campaign = await campaignOr404(req.params.id, req);
      const b = req.body;
      try {
        return await recordOutcome(db, campaign, req.params.contactId, {
          outcome: b.outcome,
          at: new Date(),
          callbackAt: b.callbackAt ? new Date(b.callbackAt) : undefined,
          agentId: b.agentId,
          note: b.note,
        });
      } catch (err) {
        if (err instanceof ContactNotFound) throw new ProblemError(404, err.message);
        if (err instanceof OutcomeError) throw new ProblemError(/needs callbackAt/.test(err.message) ? 422 : 409, err.message);
        throw err;
      }
    },
  );

  r.post(
    '/v1/do-not-call',
    {
      config: { scopes: ['campaigns:write'] },
      schema: { tags: TAGS, summary: 'Add numbers to the do-not-call list', body: DncBody, response: { 200: DncResult, ...problemResponses(...authProblems) } },
    },
    async (req) => {
      const good: string[] = [];
      const rejected: Array<{ number: string; reason: string }> = [];
      for (const raw of req.body.numbers) {
        const n = raw.replace(/[\s().-]/g, '');
        if (NUMBER.test(n)) good.push(n);
        else rejected.push({ number: raw, reason: 'not a phone number (digits, optionally a leading +)' });
      }
      return { added: await addDoNotCall(db, [...new Set(good)], req.body.reason ?? null), rejected };
    },
  );

  r.get(
    '/v1/do-not-call',
    {
      config: { scopes: ['campaigns:read'] },
      schema: { tags: TAGS, summary: 'The do-not-call list, newest first', querystring: LimitQuery, response: { 200: DncList, ...problemResponses(...authProblems) } },
    },
    async (req) => ({ items: await listDoNotCall(db, req.query.limit ?? 100) }),
  );

  r.delete(
    '/v1/do-not-call/:number',
    {
      config: { scopes: ['campaigns:write'] },
      schema: { tags: TAGS, summary: 'Remove a number from the do-not-call list', params: DncParams, response: { 204: { type: 'null' } as never, ...problemResponses(...authProblems, 404) } },
    },
    async (req, reply) => {
      if (!(await removeDoNotCall(db, req.params.number.replace(/[\s().-]/g, '')))) throw notFound('do-not-call entry', req.params.number);
      return reply.code(204).send();
    },
  );
}
