// Fax on a PBX node: the `fax` queue's worker (it needs this node's AMI) and the IVR's
// fax-on-demand hand-over, which turns the caller's choice into a queued fax.
import { ProblemError } from '../api/problem.js';
import type { FaxConfig, FaxDemandConfig } from '../config.js';
import { HandoverRefused } from '../ivr/capabilities.js';
import type { HandoverTaker } from '../ivr/ivr-calls.js';
import { callLogger } from '../log.js';
import type { CapabilityFactory } from '../pbx/capability.js';
import { FaxWatch } from './ami-watch.js';
import { countableCaller, demandBudgets } from './on-demand.js';
import type { FaxSender } from './queue.js';
import { getDocument } from './repository.js';
import { startFaxWorker } from './worker.js';

export interface FaxCapabilityOptions {
  config: FaxConfig;
  demand: FaxDemandConfig;
  sender: FaxSender;
  redisUrl: string;
  redisPrefix: string;
}

/** Why the IVR's request was refused: the caller hears the flow's invalid prompt. */
export class FaxRequestRefused extends HandoverRefused {}

export function faxCapability(o: FaxCapabilityOptions): CapabilityFactory {
  return (ctx) => {
    const watch = new FaxWatch(ctx.ami);
    const worker = startFaxWorker({ db: ctx.db, ami: ctx.ami, watch, config: o.config, redisUrl: o.redisUrl, redisPrefix: o.redisPrefix, log: ctx.log.child({ component: 'fax' }) });
    const take: HandoverTaker = async ({ call, params }) => {
      const code = String(params.document ?? '');
      const destination = String(params.destination ?? '');
      const asked = { destination, documentCode: code.slice(0, 12), callId: call.id, apiKeyId: null, callerNumber: call.callerNumber };
      const refuse = async (rule: string, reason: string): Promise<never> => {
        await o.sender.refused(asked, rule, reason);
        throw new FaxRequestRefused(reason);
      };
      const document = /^[0-9]{1,12}$/.test(code) ? await getDocument(ctx.db, code) : undefined;
      if (!document) return refuse('no_document', `no fax document ${code}`);
      const caller = countableCaller(call.callerNumber);
      if (!caller) return refuse('withheld_caller', 'the caller’s number is withheld or not a number; fax-on-demand needs a caller it can count');
      try {
        const fax = await o.sender.send({ ...asked, pages: document.pages, budgets: demandBudgets(o.demand, caller, destination) });
        callLogger(ctx.log, call).info({ event: 'fax.queued', faxId: fax.id, document: document.code }, 'fax-on-demand requested');
      } catch (err) {
        // A refusal (number, budget) is the caller's outcome; anything else (Postgres, Redis) fails the call.
        if (err instanceof ProblemError && err.status < 500) throw new FaxRequestRefused(err.message);
        throw err;
      }
    };
    return {
      handovers: { fax: take },
      // Each (re)connect of the node: faxes whose job Redis lost or refused are picked up again.
      resync: async () => {
        const n = await o.sender.requeue().catch((err: Error) => {
          ctx.log.warn({ err: err.message }, 'fax requeue failed');
          return 0;
        });
        if (n > 0) ctx.log.info({ pending: n }, 'pending faxes requeued');
      },
      async stop() {
        watch.stop();
        await worker.close().catch(() => undefined);
      },
    };
  };
}
