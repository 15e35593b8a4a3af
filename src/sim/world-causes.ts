// Q.850 hangup causes with the exact texts Asterisk prints (ast_cause2str), and the
// mapping ARI uses for `DELETE /channels/{id}?reason=...`.

const CAUSE_TEXT: Record<number, string> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  2: 'No route to specified transmit network',
  3: 'No route to destination',
  6: 'Channel unacceptable',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  20: 'Subscriber absent',
  21: 'Call Rejected',
  22: 'Number changed',
  26: 'Answered elsewhere',
  27: 'Destination out of order',
  28: 'Invalid number format',
  29: 'Facility rejected',
  31: 'Normal, unspecified',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
  41: 'Temporary failure',
  42: 'Switching equipment congestion',
  44: 'Requested channel not available',
  58: 'Bearer capability not available',
  66: 'Channel not implemented',
  88: 'Incompatible destination',
  102: 'Recovery on timer expiry',
  127: 'Interworking, unspecified',
};

export const CAUSE = {
  UNKNOWN: 0,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  ANSWERED_ELSEWHERE: 26,
  NORMAL_UNSPECIFIED: 31,
  CONGESTION: 34,
} as const;

export function causeText(cause: number): string {
  return CAUSE_TEXT[cause] ?? 'Unknown';
}

/** `reason` values accepted by ARI hangup, and the cause each one sets. */
export const HANGUP_REASONS: Record<string, number> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 19,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};

/**
 * What a Stasis channel shows in ChannelHangupRequest when ARI hangs it up: the soft
 * hangup flag (AST_SOFTHANGUP_EXPLICIT = 0x20), not the Q.850 cause.
 */
export const SOFT_HANGUP_EXPLICIT = 32;
