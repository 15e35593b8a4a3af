// The hand-over capabilities this build can actually execute. Validation reports flows
// that use any other as "not available yet", so a flow is never published against a
// capability that would leave its callers stranded. Each entry is added by the issue
// that lands the capability (ACD: queue; voicemail/fax; call control: transfer).
export type HandoverCapability = 'queue' | 'voicemail' | 'fax' | 'transfer';

export const AVAILABLE_CAPABILITIES: readonly HandoverCapability[] = ['queue'];
