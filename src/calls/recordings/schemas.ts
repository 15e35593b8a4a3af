import { Type } from 'typebox';

export const RecordingSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  callId: Type.String({ format: 'uuid' }),
  format: Type.String(),
  state: Type.String({ description: 'recording, paused, done, failed' }),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
});

export const RecordingList = Type.Object({ items: Type.Array(RecordingSchema) });

export const RecordingIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
