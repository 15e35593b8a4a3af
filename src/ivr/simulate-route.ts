// Running a flow against a scripted caller over REST, with no PBX: the published version,
// or the latest draft, or the version asked for.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../db/pool.js';
import { ProblemError, notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { interpret } from './interpreter.js';
import { getFlow, getVersion, latestDraft, linkPublishedSubflows, type FlowVersionRecord } from './repository.js';
import { FlowIdParams, SimulateBody, SimulationResultSchema } from './route-schemas.js';
import { SimulationError, simulate, type ScriptAction } from './simulate.js';
import { TAGS, type IvrRouteOptions } from './route-common.js';

export async function ivrSimulateRoutes(app: FastifyInstance, opts: IvrRouteOptions): Promise<void> {
  // The type provider is not inherited by encapsulated plugins: apply it here.
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = opts;

  r.post(
    '/v1/flows/:id/simulate',
    {
      config: { scopes: ['flows:read'] },
      schema: {
        tags: TAGS,
        summary: 'Run a flow against a scripted caller, with no PBX',
        description:
          'Runs `version` (default: the published version, else the latest draft). Time is virtual: prompts finish ' +
          'instantly before each scripted action (unless `{dtmf, bargeIn: true}` presses during the prompt); only ' +
          '`{wait: ms}` lets time pass, firing due timers (menu and digit timeouts, filler delays, lookup timeouts). ' +
          '`{http: ...}` answers the oldest pending lookup: `{status, body}`, `{error}` or `{timeout: true}`. ' +
          '`{agentHangup: true}` ends the agent leg after a queue hand-over naming a survey, which then runs. ' +
          'Secrets are never resolved: lookups are reported with header secret names. The result says how the call ' +
          "ended: 'hangup' (the flow hung up), 'handover', 'caller_hangup', or 'waiting' (the script ran out).",
        params: FlowIdParams,
        body: SimulateBody,
        response: { 200: SimulationResultSchema, ...problemResponses(...authProblems, 404, 422) },
      },
    },
    async (req) => {
      const { id } = req.params;
      if (!(await getFlow(db, id))) throw notFound('flow', id);
      const chosen = await versionToSimulate(db, id, req.body.version);
      const flow = await linkPublishedSubflows(db, chosen.document);
      const now = req.body.now !== undefined ? new Date(req.body.now) : new Date();
      try {
        const result = simulate(flow, interpret, {
          vars: req.body.vars,
          now,
          script: req.body.script as ScriptAction[],
        });
        return { flowId: id, version: chosen.version, ...result };
      } catch (err) {
        if (err instanceof SimulationError) {
          throw new ProblemError(422, `${err.message} (${err.pointer || 'script'})`, {
            problems: [{ pointer: err.pointer, message: err.message }],
          });
        }
        throw err;
      }
    },
  );
}

async function versionToSimulate(db: Queryable, id: string, version: number | undefined): Promise<FlowVersionRecord> {
  if (version !== undefined) {
    const v = await getVersion(db, id, version);
    if (!v) throw notFound('flow version', `${id}/${version}`);
    return v;
  }
  const flow = await getFlow(db, id);
  const chosen =
    flow?.publishedVersion != null ? await getVersion(db, id, flow.publishedVersion) : await latestDraft(db, id);
  if (!chosen) throw notFound('flow version', `${id} (none published, no draft)`);
  return chosen;
}
