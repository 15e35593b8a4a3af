// Structured logs for the ops team. Every line about a call carries callId, linkedid
// and pbx so one call can be followed with a single filter; secrets never appear.
import { pino, type Logger } from 'pino';
import { bufferedLog } from './log-buffer.js';

export type { Logger };

export const REDACT_PATHS = [
  'secret',
  'password',
  'authorization',
  'apiKey',
  '*.secret',
  '*.password',
  '*.authorization',
  '*.apiKey',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'config.pbxNodes[*].ami.secret',
  'config.pbxNodes[*].ari.password',
];

/**
 * The service's own logger: lines to stdout, gathered for up to `flushMs` and written
 * together (log-buffer.ts); `fd` is another descriptor to write to.
 */
export function createServiceLogger(level: string, flushMs: number, fd = 1): Logger {
  return createLogger(level, bufferedLog({ fd, flushMs }));
}

export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'cti-bridge' },
      redact: { paths: REDACT_PATHS, censor: '***' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** A child logger bound to one call: use it for every line about that call. */
export function callLogger(log: Logger, call: { id: string; linkedid?: string | null; pbxNode: string }): Logger {
  return log.child({ callId: call.id, linkedid: call.linkedid ?? undefined, pbx: call.pbxNode });
}
