// Typed failures of ARI REST calls. Callers branch on `status` (404 gone, 409 conflict,
// 422 not in bridge...) and on the `message` Asterisk put in its `{"message":...}` body.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Asterisk answered with a non-2xx status. */
export class AriHttpError extends Error {
  override name = 'AriHttpError';
  readonly status: number;
  /** The reason phrase as sent; Asterisk's can be odd (`400 Not Found`, `404 Variable Not Found`). */
  readonly statusText: string;
  readonly method: HttpMethod;
  /** Path below the ARI base URL, without the query string (values there may be personal data). */
  readonly path: string;
  /** The `message` of Asterisk's JSON error body, or undefined when the body had none. */
  readonly ariMessage: string | undefined;

  constructor(init: { status: number; statusText: string; method: HttpMethod; path: string; ariMessage?: string | undefined }) {
    const detail = init.ariMessage ?? init.statusText;
    super(`ARI ${init.method} ${init.path} failed: ${init.status}${detail ? ` ${detail}` : ''}`);
    this.status = init.status;
    this.statusText = init.statusText;
    this.method = init.method;
    this.path = init.path;
    this.ariMessage = init.ariMessage;
  }
}

/** The request never got a usable answer: connection refused, reset, timed out, bad body. */
export class AriRequestError extends Error {
  override name = 'AriRequestError';
  readonly method: HttpMethod;
  readonly path: string;
  readonly timedOut: boolean;

  constructor(init: { method: HttpMethod; path: string; reason: string; timedOut?: boolean; cause?: unknown }) {
    super(`ARI ${init.method} ${init.path} failed: ${init.reason}`, { cause: init.cause });
    this.method = init.method;
    this.path = init.path;
    this.timedOut = init.timedOut ?? false;
  }
}

/** A request we refuse to send because Asterisk could not represent it faithfully. */
export class AriArgumentError extends TypeError {
  override name = 'AriArgumentError';
}

export function isAriNotFound(err: unknown): err is AriHttpError {
  return err instanceof AriHttpError && err.status === 404;
}
