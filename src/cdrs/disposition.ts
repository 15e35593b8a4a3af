// How a call ended, in the words of the CDR: answered, abandoned (short or not), to voicemail
// or fax, a PBX restart, a caller the dialplan fallback took while no instance drove the
// node, or what the placement's hang-up cause says.

/** The end reason's start for a call the dialplan fallback took while no instance drove the node. */
export const UNATTENDED = 'unattended:';

export type ExtendedDisposition =
  | 'answered'
  | 'abandoned'
  | 'short_abandon'
  | 'voicemail'
  | 'fax'
  | 'failed'
  | 'busy'
  | 'no_answer'
  | 'pbx_restart'
  | 'unattended';

/** Q.850: 17 user busy; 1/3/20/21/27/34/38 mean the call could not be placed. */
export function placementDisposition(answered: boolean, cause: number | null): ExtendedDisposition {
  if (answered) return 'answered';
  if (cause === 17) return 'busy';
  if (cause !== null && [1, 3, 20, 21, 27, 34, 38].includes(cause)) return 'failed';
  return 'no_answer';
}

/** What the timeline showed about the call's end. */
export interface EndSeen {
  /** An agent answered. */
  connected: boolean;
  abandoned: { short: boolean } | null;
  fax: boolean;
  voicemail: boolean;
}

export function callDisposition(
  call: { endReason?: string; answeredAt: Date | null; hangupCause: number | null },
  seen: EndSeen,
): ExtendedDisposition {
  const { connected, abandoned, fax, voicemail } = seen;
  const reason = call.endReason ?? '';
  if (reason.startsWith(UNATTENDED)) return 'unattended';
  if (/gone during disconnect|pbx.?restart/i.test(reason)) return 'pbx_restart';
  if (connected) return 'answered';
  if (abandoned) return abandoned.short ? 'short_abandon' : 'abandoned';
  if (fax) return 'fax';
  if (voicemail) return 'voicemail';
  return placementDisposition(call.answeredAt !== null, call.hangupCause);
}
