// RFC 9457 problem+json answers as exceptions, one class per kind of failure a caller
// handles differently (fix the request, authenticate, retry later).

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export class CtiBridgeError extends Error {
  override name = 'CtiBridgeError';
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly requestId: string | null,
    /** From Retry-After (429, 503): how long to wait before sending the request again; null when not said. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(`${status} ${problem.title ?? ''}${problem.detail ? `: ${problem.detail}` : ''}`.trim());
  }
}

export class BadRequestError extends CtiBridgeError { override name = 'BadRequestError'; }
export class UnauthorizedError extends CtiBridgeError { override name = 'UnauthorizedError'; }
export class ForbiddenError extends CtiBridgeError { override name = 'ForbiddenError'; }
export class NotFoundError extends CtiBridgeError { override name = 'NotFoundError'; }
export class ConflictError extends CtiBridgeError { override name = 'ConflictError'; }
export class UnprocessableError extends CtiBridgeError { override name = 'UnprocessableError'; }
export class RateLimitedError extends CtiBridgeError { override name = 'RateLimitedError'; }
/** 5xx: the service (or the PBX node's owner) could not do it now; safe to retry with the same Idempotency-Key. */
export class ServiceUnavailableError extends CtiBridgeError { override name = 'ServiceUnavailableError'; }

const BY_STATUS: Record<number, typeof CtiBridgeError> = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableError,
  429: RateLimitedError,
};

export function problemError(status: number, body: unknown, requestId: string | null, retryAfter?: string | null): CtiBridgeError {
  const problem: Problem =
    body && typeof body === 'object' ? { status, ...(body as Record<string, unknown>) } : { status, detail: typeof body === 'string' ? body : undefined };
  const Kind = BY_STATUS[status] ?? (status >= 500 ? ServiceUnavailableError : CtiBridgeError);
  return new Kind(status, problem, requestId, retryAfterSeconds(retryAfter));
}

/** Retry-After as seconds: a number of seconds or an HTTP date; null when absent or unreadable. */
function retryAfterSeconds(value: string | null | undefined): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
