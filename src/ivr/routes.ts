// The IVR REST API: flows with versions (draft -> publish), dialled numbers mapped to
// flows, and a simulator that runs a flow against a scripted caller. Storage is in
// repository.ts, the simulation in simulate.ts; this file maps the flows and their
// versions onto HTTP, number-routes.ts the numbers, simulate-route.ts the simulator.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Compile } from 'typebox/compile';
import type { Queryable } from '../db/pool.js';
import { ProblemError, badRequest, notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { AVAILABLE_CAPABILITIES } from './capabilities.js';
import type { Flow, FlowProblem } from './contract.js';
import {
  addVersion,
  createFlow,
  decodeFlowCursor,
  deleteFlow,
  getFlow,
  getVersion,
  latestDraft,
  listFlows,
  listVersions,
  publishVersion,
  publishedFlowIds,
  type FlowVersionRecord,
} from './repository.js';
import {
  CreateFlowBody,
  CreateFlowEnvelope,
  FlowDetail,
  FlowIdParams,
  FlowPage,
  FlowVersion,
  NewVersionBody,
  NewVersionEnvelope,
  PageQuery,
  PublishResult,
  VersionList,
  VersionParams,
} from './route-schemas.js';
import { missingRecordingProblems, recordingRefs } from './prompt-check.js';
import { validateFlow } from './validate.js';
import { Deleted, store, TAGS, type IvrRouteOptions } from './route-common.js';
import { ivrNumberRoutes } from './number-routes.js';
import { ivrSimulateRoutes } from './simulate-route.js';

export type { IvrRouteOptions } from './route-common.js';

export async function ivrRoutes(app: FastifyInstance, opts: IvrRouteOptions): Promise<void> {
  // The type provider is not inherited by encapsulated plugins: apply it here.
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = opts;
  const knownSecrets = Object.keys(opts.config.ivr?.secrets ?? {});

  /** Problems of a document at save time: sub-flows must at least exist. */
  async function problemsAtSave(document: unknown, q: Queryable): Promise<FlowProblem[]> {
    const { rows } = await q.query('SELECT id FROM ivr_flows WHERE deleted_at IS NULL');
    const own = typeof (document as Flow | null)?.id === 'string' ? [(document as Flow).id] : [];
    return validateFlow(document, {
      availableCapabilities: [...AVAILABLE_CAPABILITIES],
      knownSecrets,
      knownFlows: [...new Set([...rows.map((row) => row.id as string), ...own])],
    });
  }

  r.post(
    '/v1/flows',
    {
      config: { scopes: ['flows:write'] },
      attachValidation: true,
      schema: {
        tags: TAGS,
        summary: 'Create a flow with its first draft version',
        description:
          'The flow id is the document id. The document is validated in full: a document with problems is a 422 ' +
          'whose `problems` lists every one, each with an RFC 6901 pointer into the document. The server assigns ' +
          'version numbers: the document version is replaced by 1.',
        body: CreateFlowBody,
        response: { 201: FlowVersion, ...problemResponses(...authProblems, 409, 422) },
      },
    },
    async (req, reply) => {
      const body = documentBody(req, envelope.create) as { name?: string; document: Flow };
      const document = { ...body.document, version: 1 };
      await rejectProblems(await problemsAtSave(document, db));
      const created = await store(() =>
        createFlow(db, { id: document.id, name: body.name ?? document.name ?? document.id, document }),
      );
      return reply.code(201).header('location', `/v1/flows/${created.flowId}`).send(created);
    },
  );

  r.get(
    '/v1/flows',
    {
      config: { scopes: ['flows:read'] },
      schema: {
        tags: TAGS,
        summary: 'List flows, newest first',
        description: 'Pass `nextCursor` back as `cursor` for the next page. Deleted flows are not listed.',
        querystring: PageQuery,
        response: { 200: FlowPage, ...problemResponses(...authProblems) },
      },
    },
    async (req) => {
      const after = req.query.cursor === undefined ? undefined : decodeFlowCursor(req.query.cursor);
      if (req.query.cursor !== undefined && !after) throw badRequest("query parameter 'cursor' is not a cursor returned by this API");
      return listFlows(db, { limit: req.query.limit, after });
    },
  );

  r.get(
    '/v1/flows/:id',
    {
      config: { scopes: ['flows:read'] },
      schema: {
        tags: TAGS,
        summary: 'One flow with its published version and its latest draft',
        params: FlowIdParams,
        response: { 200: FlowDetail, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      const flow = await getFlow(db, req.params.id);
      if (!flow) throw notFound('flow', req.params.id);
      const published = flow.publishedVersion !== null ? await getVersion(db, flow.id, flow.publishedVersion) : undefined;
      const draft = await latestDraft(db, flow.id);
      return { ...flow, published: published ?? null, latestDraft: draft ?? null };
    },
  );

  r.delete(
    '/v1/flows/:id',
    {
      config: { scopes: ['flows:write'] },
      schema: {
        tags: TAGS,
        summary: 'Delete a flow (soft: its versions stay for the calls that ran them)',
        description: 'Refused with 409 while a number maps to the flow.',
        params: FlowIdParams,
        response: { 204: Deleted, ...problemResponses(...authProblems, 404, 409) },
      },
    },
    async (req, reply) => {
      await store(() => deleteFlow(db, req.params.id));
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/v1/flows/:id/versions',
    {
      config: { scopes: ['flows:write'] },
      attachValidation: true,
      schema: {
        tags: TAGS,
        summary: 'Add a draft version',
        description:
          'Published versions never change: a change is a new version, published when ready. The document id must be ' +
          'the flow id (or absent); its version is replaced by the number assigned. Problems: 422 as for create.',
        params: FlowIdParams,
        body: NewVersionBody,
        response: { 201: FlowVersion, ...problemResponses(...authProblems, 404, 422) },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const body = documentBody(req, envelope.version) as { document: Flow };
      if (!(await getFlow(db, id))) throw notFound('flow', id);
      const given = body.document && typeof body.document === 'object' ? (body.document as Partial<Flow>).id : undefined;
      if (given !== undefined && given !== id) {
        throw flowProblems([{ pointer: '/id', message: `the document id '${String(given)}' is not the flow id '${id}'` }]);
      }
      // Validated with a placeholder version; the real number is assigned under the flow's lock.
      const document = { ...body.document, id, version: 1 } as Flow;
      await rejectProblems(await problemsAtSave(document, db));
      const created = await store(() => addVersion(db, id, document));
      return reply.code(201).header('location', `/v1/flows/${id}/versions/${created.version}`).send(created);
    },
  );

  r.get(
    '/v1/flows/:id/versions',
    {
      config: { scopes: ['flows:read'] },
      schema: {
        tags: TAGS,
        summary: "A flow's versions, newest first (without documents)",
        params: FlowIdParams,
        response: { 200: VersionList, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      if (!(await getFlow(db, req.params.id))) throw notFound('flow', req.params.id);
      const versions = await listVersions(db, req.params.id);
      return { items: versions.map(({ document: _document, ...summary }) => summary) };
    },
  );

  r.get(
    '/v1/flows/:id/versions/:version',
    {
      config: { scopes: ['flows:read'] },
      schema: {
        tags: TAGS,
        summary: 'One version with its document',
        params: VersionParams,
        response: { 200: FlowVersion, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      const v = await getVersion(db, req.params.id, req.params.version);
      if (!v) throw notFound('flow version', `${req.params.id}/${req.params.version}`);
      return v;
    },
  );

  r.post(
    '/v1/flows/:id/versions/:version/publish',
    {
      config: { scopes: ['flows:write'] },
      schema: {
        tags: TAGS,
        summary: 'Publish a version: new calls run it',
        description:
          'Validates again, now against what is published (a sub-flow the version enters must be published). ' +
          'The previously published version becomes retired. Publishing the published version is a no-op ' +
          '(`changed: false`); publishing a retired version rolls back to it. Every `recording:` prompt with a fixed ' +
          'name must exist on the PBX: one that does not is a 422 problem at that prompt. When a PBX cannot be asked ' +
          '(down, no instance drives it) the version is published anyway and `promptsChecked` is false.',
        params: VersionParams,
        response: { 200: PublishResult, ...problemResponses(...authProblems, 404, 422) },
      },
    },
    async (req) => {
      const { id, version } = req.params;
      // The PBX is asked before the transaction: no database connection waits on it.
      const prompts = await checkPrompts(await getVersion(db, id, version));
      const result = await store(() =>
        publishVersion(db, id, version, async (v, tx) => {
          const problems = await problemsAtSave(v.document, tx);
          problems.push(...prompts.problems);
          // Calls run the published version of a sub-flow: a draft-only one would fail at run time.
          const published = new Set([...(await publishedFlowIds(tx)), id]);
          for (const [nodeId, node] of Object.entries(v.document.nodes ?? {})) {
            if (node?.type !== 'goto' || node.flow === undefined || published.has(node.flow)) continue;
            if (problems.some((p) => p.pointer === `${nodePointer(nodeId)}/flow`)) continue;
            problems.push({ pointer: `${nodePointer(nodeId)}/flow`, message: `flow "${node.flow}" has no published version; publish it first` });
          }
          await rejectProblems(problems);
        }),
      );
      const v = result.version;
      return { flowId: v.flowId, version: v.version, status: v.status, publishedAt: v.publishedAt, changed: result.changed, promptsChecked: prompts.checked };
    },
  );

  /** Recordings of a version the PBX does not have, and whether every PBX node could be asked. */
  async function checkPrompts(v: FlowVersionRecord | undefined): Promise<{ problems: FlowProblem[]; checked: boolean }> {
    const refs = v ? recordingRefs(v.document) : [];
    if (refs.length === 0 || !opts.checkRecordings) return { problems: [], checked: refs.length === 0 };
    const check = await opts.checkRecordings([...new Set(refs.map((r) => r.name))]);
    if (check.unchecked.length > 0) {
      app.log.warn({ event: 'ivr.prompts_unchecked', flowId: v!.flowId, version: v!.version, pbxNodes: check.unchecked }, 'flow published without checking its recordings on every PBX node');
    }
    return { problems: missingRecordingProblems(refs, check), checked: check.unchecked.length === 0 };
  }

  await ivrNumberRoutes(app, opts);
  await ivrSimulateRoutes(app, opts);
}

function nodePointer(nodeId: string): string {
  return `/nodes/${nodeId.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

const envelope = { create: Compile(CreateFlowEnvelope), version: Compile(NewVersionEnvelope) };

/**
 * The body of a route that takes a flow document. Schema violations inside the document
 * are left to validateFlow, which names every problem with a pointer (422); anything else
 * wrong with the body is a plain 400.
 */
function documentBody(req: FastifyRequest, shell: { Check(v: unknown): boolean }): unknown {
  const err = (req as FastifyRequest & { validationError?: Error }).validationError;
  if (err && !shell.Check(req.body)) throw err;
  return req.body;
}

function flowProblems(problems: FlowProblem[]): ProblemError {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new ProblemError(422, `the flow has ${problems.length} problem(s): ${first.pointer || '/'}: ${first.message}${more}`, {
    problems,
  });
}

async function rejectProblems(problems: FlowProblem[]): Promise<void> {
  if (problems.length > 0) throw flowProblems(problems);
}
