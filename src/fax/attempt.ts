// One try at sending a fax: AMI Originate of the configured dial string with SendFAX and
// our own TIFF file, then the outcome from OriginateResponse and SendFAX. Application,
// data and variables come from a fixed template: only a checked number and a file we
// wrote reach them.
import type { AmiClient } from '../ami/index.js';
import type { FaxConfig } from '../config.js';
import type { FaxWatch } from './ami-watch.js';
import { faxDialString, originateFailure, sendFaxOutcome, type Attempt } from './outcome.js';

export interface AttemptInput {
  number: string;
  /** The TIFF as the PBX sees it. */
  pbxFile: string;
  documentPages: number;
}

export async function attemptFax(ami: AmiClient, watch: FaxWatch, config: FaxConfig, a: AttemptInput): Promise<Attempt> {
  const variables = [`FAXOPT(headerinfo)=${config.header}`];
  if (config.stationId) variables.unshift(`FAXOPT(localstationid)=${config.stationId}`);
  let actionId: string | undefined;
  try {
    const res = await ami.action({
      Action: 'Originate',
      Channel: faxDialString(config.dialTemplate, a.number),
      Application: 'SendFAX',
      Data: a.pbxFile,
      ...(config.stationId ? { CallerID: config.stationId } : {}),
      Variable: variables,
      Timeout: config.ringTimeoutMs,
      Async: 'true',
    });
    actionId = res.actionId;
  } catch (err) {
    return { ok: false, reason: 'unavailable', detail: `the PBX did not take the call: ${(err as Error).message}` };
  }
  if (!actionId) return { ok: false, reason: 'unavailable', detail: 'the PBX gave the originate no id' };
  const id = actionId;
  const response = await watch.waitFor(() => watch.takeResponse(id), config.ringTimeoutMs + 30_000);
  if (!response) return { ok: false, reason: 'timeout', detail: 'the PBX never reported the call placed' };
  if (response.get('Response') !== 'Success') return originateFailure(Number(response.get('Reason') ?? '0'));
  const uniqueid = response.get('Uniqueid') ?? '';
  const done = await watch.waitFor(() => watch.takeResult(uniqueid) ?? (watch.hungUp(uniqueid) ? ('hung-up' as const) : undefined), config.sendTimeoutMs);
  if (!done) return { ok: false, reason: 'timeout', detail: 'the fax did not finish in time' };
  if (done === 'hung-up') return { ok: false, reason: 'fax_failed', detail: 'the call ended before the fax started' };
  return sendFaxOutcome(
    {
      pagesTransferred: Number(done.event.get('PagesTransferred') ?? '0'),
      resolution: done.event.get('Resolution') ?? '0x0',
      vars: done.vars,
    },
    a.documentPages,
  );
}
