// Refusals of world commands. `kind` says which HTTP answer ARI gives; the message is
// Asterisk's own text where it was captured, so the ARI view passes it through as is.

export type WorldErrorKind =
  | 'bad-request' // 400 Bad Request
  | 'not-found' // 404 Not Found
  | 'variable-not-found' // 404 Variable Not Found
  | 'bridge-not-found' // 404 Not found (lower-case f, as Asterisk says it)
  | 'conflict' // 409 Conflict
  | 'invalid-state' // 412 Precondition Failed
  | 'unprocessable' // 422 Unprocessable Entity
  | 'internal' // 500 Internal Server Error
  | 'internal-error'; // 500 Internal Error

export class WorldError extends Error {
  readonly kind: WorldErrorKind;
  constructor(kind: WorldErrorKind, message: string) {
    super(message);
    this.name = 'WorldError';
    this.kind = kind;
  }
}

export const MSG = {
  channelNotFound: 'Channel not found',
  notInStasis: 'Channel not in Stasis application',
  bridgeNotFound: 'Bridge not found',
  duplicateChannelId: 'Channel with given unique ID already exists',
  notDown: "Channel is not in the 'Down' state",
  invalidState: 'Channel in invalid state',
  notInThisBridge: 'Channel not in this bridge',
  recordingNotFound: 'Recording not found',
  playbackNotFound: 'Playback not found',
  variableNotFound: 'Provided variable was not found',
  applicationNotFound: 'Application not found',
} as const;
