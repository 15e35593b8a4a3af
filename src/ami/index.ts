export { AmiClient } from './client.js';
export type { AmiClientOptions, AmiClientState, AmiClientStats, AmiClientEvents, AmiActionOptions, AmiFilterState } from './client.js';
export type { AmiEventFilter } from './filters.js';
export { AmiParser, serializeAction, formatMessage, AmiSerializeError } from './codec.js';
export type { AmiActionFields, AmiFieldValue, AmiParserOptions } from './codec.js';
export { AmiMessage, AmiResponse } from './message.js';
export type { AmiEvent } from './message.js';
export {
  AmiError,
  AmiActionError,
  AmiAuthError,
  AmiDisconnectedError,
  AmiNotConnectedError,
  AmiTimeoutError,
} from './errors.js';
export { reconnectDelay } from './backoff.js';
