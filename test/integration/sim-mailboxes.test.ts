// ARI /mailboxes on the simulator (res_mwi_external), per the declarations: PUT sets the
// counts (creating the mailbox), GET reads them, DELETE removes; unknown names are 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

let sim: Simulator;
const auth = { authorization: `Basic ${Buffer.from('cti:cti-secret').toString('base64')}` };
const ari = (method: string, path: string) => fetch(`${sim.ari.url}${path}`, { method, headers: auth });

beforeAll(async () => {
  sim = await startSimulator({ withoutAmi: true });
});
afterAll(() => sim.close());

describe('simulated ARI mailboxes', () => {
  it('PUT creates and updates, GET lists and reads, DELETE removes', async () => {
    expect((await ari('PUT', '/mailboxes/sales@cti?oldMessages=1&newMessages=2')).status).toBe(204);
    expect(await (await ari('GET', '/mailboxes/sales@cti')).json()).toEqual({ name: 'sales@cti', old_messages: 1, new_messages: 2 });
    expect((await ari('PUT', '/mailboxes/sales@cti?oldMessages=3&newMessages=0')).status).toBe(204);
    expect(await (await ari('GET', '/mailboxes')).json()).toEqual([{ name: 'sales@cti', old_messages: 3, new_messages: 0 }]);
    expect((await ari('DELETE', '/mailboxes/sales@cti')).status).toBe(204);
    const gone = await ari('GET', '/mailboxes/sales@cti');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ message: 'Mailbox not found' });
  });

  it('refuses a PUT without both counts', async () => {
    const res = await ari('PUT', '/mailboxes/x?oldMessages=1');
    expect(res.status).toBe(400);
  });

  it('serves a stored recording as a WAV of its length with bytes that identify it', async () => {
    const { recordingWav } = await import('../../src/sim/world-media.js');
    const a = recordingWav('a', 1000);
    expect(a.length).toBe(44 + 16000);
    expect(a.subarray(0, 4).toString()).toBe('RIFF');
    expect(a.equals(recordingWav('a', 1000))).toBe(true);
    expect(a.equals(recordingWav('b', 1000))).toBe(false);
  });
});
