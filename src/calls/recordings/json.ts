// A recording as the API shows it (dates as strings): the same from every instance.
import type { Static } from 'typebox';
import type { Recording } from './repository.js';
import type { RecordingSchema } from './schemas.js';

export function recordingJson(r: Recording): Static<typeof RecordingSchema> {
  return {
    id: r.id,
    callId: r.callId,
    format: r.format,
    state: r.state,
    startedAt: r.startedAt.toISOString(),
    endedAt: r.endedAt?.toISOString() ?? null,
    durationMs: r.durationMs,
  };
}
