// The decisions of a voicemail recording, as plain functions of data.

/** Our recordings and playbacks on the PBX are named `vm-...` so events map back to us. */
export const VM_PREFIX = 'vm-';

export function recordingName(messageRef: string): string {
  return `${VM_PREFIX}${messageRef}`;
}

export interface FinishedRecording {
  /** What the PBX reported: done (terminated by #, silence, max duration, hang-up) or failed. */
  state: string;
  durationSeconds: number | undefined;
}

/**
 * Whether a finished recording becomes a message. A message shorter than the minimum is
 * a hang-up before speaking (or a stray #), whoever ended it; a failed recording has no
 * file worth keeping.
 */
export function keepRecording(r: FinishedRecording, minSeconds: number): boolean {
  if (r.state !== 'done') return false;
  return (r.durationSeconds ?? 0) >= minSeconds;
}

/** Where a recording's bounds come from: the mailbox's limit, capped by what ARI accepts. */
export function recordLimits(maxMessageSeconds: number, maxSilenceSeconds: number): { maxDurationSeconds: number; maxSilenceSeconds: number } {
  return { maxDurationSeconds: Math.max(1, maxMessageSeconds), maxSilenceSeconds: Math.max(0, maxSilenceSeconds) };
}
