// A caller writes their own caller id and name: a SIP trunk passes on a NUL (which
// Postgres refuses), terminal escapes, line breaks and hundreds of digits. Such a caller is
// still served by the flow like anyone else, and what is stored, matched and reported
// carries none of those characters and no more than a number's length.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simControl } from '../helpers/service.js';
import { waitFor } from '../helpers/wait.js';
import { publishFlow, sound, startIvrWorld, waitEnded, type IvrWorld } from './ivr-fixture.js';

describe('a caller id written by the caller', () => {
  let w: IvrWorld;

  beforeAll(async () => {
    w = await startIvrWorld('hostile-caller-id');
    await publishFlow(
      w,
      {
        id: 'caller-check',
        entry: 'check',
        nodes: {
          check: { type: 'branch', cases: [{ when: [{ var: 'caller', op: 'matches', regex: '^0301[0-9]+$' }], next: 'known' }], otherwise: 'bye' },
          known: { type: 'hangup', prompt: sound('welcome') },
          bye: { type: 'hangup', prompt: sound('goodbye') },
        },
      },
      '330',
    );
  });

  afterAll(async () => {
    await w?.close();
  });

  it('with a NUL, control characters and 200 digits is served by its flow and stored clean', async () => {
    const from = `0301\u0000\u0007\r\n${'1'.repeat(200)}`;
    const { channelId } = await simControl<{ channelId: string }>(w.sim, '/calls', { from, callerName: 'Eve\u0000\u001b[2J\nSmith', to: '330' });
    const callId = await waitFor('the call to be created', async () => (await w.t.db.query<{ id: string }>('SELECT id FROM calls WHERE channel_id = $1', [channelId])).rows[0]?.id);
    await waitEnded(w, callId);
    const { rows } = await w.t.db.query('SELECT caller_number, caller_name FROM calls WHERE id = $1', [callId]);
    expect(rows[0]).toEqual({ caller_number: `0301${'1'.repeat(60)}`, caller_name: 'Eve[2JSmith' });
    // The flow matched the cleaned number: the caller heard the branch for known callers.
    expect(w.heard.get(channelId)).toEqual(['sound:cti/welcome']);
    const cdr = await w.t.db.query('SELECT caller_number FROM cdrs WHERE call_id = $1', [callId]);
    expect(cdr.rows[0]?.caller_number).toHaveLength(64);
  });
});
