// RFC 9457 problem details: the one shape every API error takes.
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Throw this from any route or service; the API's error handler renders it. */
export class ProblemError extends Error {
  readonly status: number;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  constructor(status: number, detail?: string, extensions: Record<string, unknown> = {}, title?: string) {
    super(detail ?? TITLES[status] ?? 'Error');
    this.status = status;
    this.title = title ?? TITLES[status] ?? 'Error';
    this.extensions = extensions;
  }
  toProblem(instance?: string): Problem {
    return {
      type: 'about:blank',
      title: this.title,
      status: this.status,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export const notFound = (what: string, id: string) => new ProblemError(404, `${what} ${id} does not exist`);
export const badRequest = (detail: string, extensions?: Record<string, unknown>) =>
  new ProblemError(400, detail, extensions);
export const conflict = (detail: string) => new ProblemError(409, detail);
