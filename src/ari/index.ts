// The ARI client's public surface.
export { AriClient, type AriClientOptions, type AriClientState, type AriClientStats, type AriClientEvents, type ResyncSnapshot } from './client.js';
export { AriRest, AsteriskApi, ApplicationsApi, EndpointsApi, type AriRestOptions } from './rest.js';
export { AriHttp, NOT_FOUND, DEFAULT_REQUEST_TIMEOUT_MS, type AriHttpOptions, type AriRequest } from './http.js';
export { AriHttpError, AriRequestError, AriArgumentError, isAriNotFound, type HttpMethod } from './errors.js';
export * from './rest-channels.js';
export * from './rest-bridges.js';
export * from './rest-media.js';
export { AriEventSocket, eventsUrl, DEFAULT_PING, type PingOptions, type EventSocketState, type EventSocketStats, type SocketClose, type BadFrame } from './events.js';
export { parseAriFrame, type FrameResult, type BadFrameReason } from './frames.js';
export { ChannelRouter, ChannelRouteConflict, channelIdsOf, endedChannelId, type ChannelHandler } from './routing.js';
export { backoffDelay, resolveBackoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { encodeQuery, type QueryParams } from './query.js';
export { parseAriTimestamp, tryParseAriTimestamp, AriTimestampError } from './timestamp.js';
export type * from './types.js';
export { isAriEvent } from './types.js';
