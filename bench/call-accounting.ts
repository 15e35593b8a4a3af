// The per-call benchmark counts only calls that did all their work: a run that ends
// fewer calls, writes fewer CDRs or delivers fewer events than it placed fails here,
// so it cannot get cheaper by doing less. Pure.

/** What was observed of one call, from Postgres and from the receivers. */
export interface CallFacts {
  ended: boolean;
  /** CDR rows of the call. */
  cdrs: number;
  /** An agent answered (the call.connected the driver heard and acted on). */
  connected: number;
  /** Signed webhook `cdr.created` POSTs that arrived and verified. */
  webhooks: number;
  /** Connector `cdr.created` POSTs that arrived. */
  connector: number;
}

export interface RunTotals {
  /** Calls the driver placed in the measured window. */
  placed: number;
  /** `webhook_deliveries` and `connector_deliveries` rows of cdr.created recorded as delivered. */
  webhookDelivered: number;
  connectorDelivered: number;
  /** Webhook POSTs whose signature did not verify; POSTs about calls nobody placed. */
  badSignatures: number;
  strays: number;
}

/** Every problem, in words; empty when each placed call did everything once. */
export function checkCallAccounting(calls: Map<string, CallFacts>, totals: RunTotals): string[] {
  const problems: string[] = [];
  if (calls.size !== totals.placed) problems.push(`${totals.placed} calls placed, ${calls.size} recorded`);
  const count = (what: string, pred: (f: CallFacts) => boolean) => {
    const bad = [...calls.values()].filter((f) => !pred(f)).length;
    if (bad) problems.push(`${bad} of ${calls.size} calls ${what}`);
  };
  count('not ended', (f) => f.ended);
  count('without exactly one CDR', (f) => f.cdrs === 1);
  count('not answered exactly once by an agent', (f) => f.connected === 1);
  count('without exactly one signed cdr.created webhook', (f) => f.webhooks === 1);
  count('without exactly one connector delivery', (f) => f.connector === 1);
  if (totals.webhookDelivered !== totals.placed) problems.push(`${totals.webhookDelivered} webhook deliveries recorded for ${totals.placed} calls`);
  if (totals.connectorDelivered !== totals.placed) problems.push(`${totals.connectorDelivered} connector deliveries recorded for ${totals.placed} calls`);
  if (totals.badSignatures) problems.push(`${totals.badSignatures} webhook POSTs failed verification`);
  if (totals.strays) problems.push(`${totals.strays} POSTs about calls not placed in the run`);
  return problems;
}
