// Which failures of a PBX event handler are an outage of a store (Postgres, Redis) — the
// handler is then run again once the store answers — and which are the event's own (a
// channel already gone, a refused command) and would fail the same way again.

const PG_CONNECTION_CLASSES = ['08', '57', '53']; // connection exception, operator intervention, insufficient resources

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN', 'EAI_AGAIN']);

const OUTAGE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection is closed/i,
  /stream isn't writeable/i,
  /reached the max retries per request/i,
  /cannot use a pool after calling end/i,
  /client has encountered a connection error/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /terminating connection/i,
  /LOADING Redis is loading/i,
  /READONLY/,
];

export function isStoreOutage(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (NETWORK_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && PG_CONNECTION_CLASSES.includes(code.slice(0, 2))) return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (OUTAGE_MESSAGES.some((re) => re.test(message))) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** Waits between runs of a handler held by an outage: quick at first, then every few seconds. */
export function outageRetryDelay(attempt: number, maxMs = 5_000): number {
  return Math.min(maxMs, 100 * 2 ** Math.max(0, Math.min(attempt - 1, 16)));
}
