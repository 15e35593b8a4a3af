// The hand-over capabilities this build can actually execute. Validation reports flows
// that use any other as "not available yet", so a flow is never published against a
// capability that would leave its callers stranded. Each entry is added by the issue
// that lands the capability (ACD: queue; voicemail/fax; call control: transfer).
export type HandoverCapability = 'queue' | 'voicemail' | 'fax' | 'transfer';

/**
 * Thrown by a request hand-over (fax) that refuses what the caller asked for: the flow
 * hears about it (`handover_result`) instead of failing the call.
 */
export class HandoverRefused extends Error {}

export const AVAILABLE_CAPABILITIES: readonly HandoverCapability[] = ['queue', 'transfer', 'voicemail', 'fax'];
