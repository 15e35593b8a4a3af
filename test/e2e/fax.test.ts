// Fax end to end through the simulator: the catalogue converts and checks uploads, faxes
// go out over AMI Originate + SendFAX, busy lines and failed transfers are retried with
// backoff up to the maximum, and every outcome reaches Postgres and the webhooks.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { createFax } from '../../src/fax/repository.js';
import { simControl } from '../helpers/service.js';
import { makeHeavyPdf, makePdf, makeTiff } from '../helpers/fax-files.js';
import { waitFor } from '../helpers/wait.js';
import { placeCall, press, publishFlow, startIvrWorld, waitAt, waitEnded, type IvrWorld } from './ivr-fixture.js';

let w: IvrWorld;
let key: string;
let dir: string;

async function api(method: string, path: string, body?: unknown, type = 'application/json'): Promise<Response> {
  return fetch(`${w.service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': type } : {}) },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
  });
}

async function faxDone(id: string): Promise<Record<string, unknown>> {
  return waitFor(`fax ${id} to finish`, async () => {
    const f = (await (await api('GET', `/v1/faxes/${id}`)).json()) as Record<string, unknown>;
    return f.status === 'sent' || f.status === 'failed' ? f : undefined;
  });
}

function events(faxId: string): Array<{ type: string; data: Record<string, unknown> }> {
  return w.receiver.received.map((r) => r.json).filter((e) => e.data.faxId === faxId);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fax-e2e-'));
  // Speed 100: the lab's 18 s fax takes about 0.2 s.
  w = await startIvrWorld(
    'fax',
    {
      FAX_DOCUMENT_DIR: dir,
      FAX_STATION_ID: '5550199',
      FAX_MAX_ATTEMPTS: '3',
      FAX_RETRY_DELAY_MS: '50',
      FAX_RING_TIMEOUT_MS: '5000',
      FAX_MAX_UPLOAD_BYTES: '200000',
      FAX_CONVERSIONS: '1',
      FAX_CONVERSION_QUEUE: '1',
    },
    { speed: 100 },
  );
  key = (await createApiKey(w.service.db, { name: 'fax', scopes: ['fax:read', 'fax:write', 'webhooks:write'] })).key;
  const hook = await api('POST', '/v1/webhooks', { url: w.receiver.url, eventTypes: ['fax.queued', 'fax.sent', 'fax.failed'] });
  expect(hook.status).toBe(201);
});

afterAll(async () => {
  await w?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('fax catalogue', () => {
  it('converts a PDF to a fax-ready TIFF and keeps a fax-ready TIFF as it is', async () => {
    const pdf = await api('PUT', '/v1/fax-documents/100?title=Price%20list', makePdf(2), 'application/pdf');
    expect(pdf.status).toBe(201);
    expect(await pdf.json()).toMatchObject({ code: '100', title: 'Price list', pages: 2, sourceType: 'pdf' });
    const tiff = makeTiff([{}]);
    const t = await api('PUT', '/v1/fax-documents/101?title=Terms', tiff, 'image/tiff');
    expect(await t.json()).toMatchObject({ code: '101', pages: 1, sourceType: 'tiff', sizeBytes: tiff.length });
    const again = await api('PUT', '/v1/fax-documents/101?title=Terms%202', makeTiff([{}, {}]), 'image/tiff');
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ title: 'Terms 2', pages: 2 });
    const list = (await (await api('GET', '/v1/fax-documents')).json()) as { items: Array<{ code: string }> };
    expect(list.items.map((d) => d.code)).toEqual(['100', '101']);
  });

  it('refuses what cannot be faxed with 422 and the reason', async () => {
    const notADoc = await api('PUT', '/v1/fax-documents/102?title=x', Buffer.from('hello, this is text'), 'application/pdf');
    expect(notADoc.status).toBe(422);
    expect(((await notADoc.json()) as { detail: string }).detail).toBe('the upload is neither a PDF nor a TIFF');
    const wide = await api('PUT', '/v1/fax-documents/102?title=x', makeTiff([{ width: 2480 }]), 'image/tiff');
    expect(wide.status).toBe(422);
    expect(((await wide.json()) as { detail: string }).detail).toMatch(/2480 pixels wide/);
    // Over FAX_MAX_UPLOAD_BYTES, a little or far (the 24 MB PDF of a real mistake): 413 naming that limit.
    for (const extra of [200_001, 2_500_000]) {
      const big = await api('PUT', '/v1/fax-documents/102?title=x', Buffer.concat([makePdf(1), Buffer.alloc(extra)]), 'application/pdf');
      expect(big.status).toBe(413);
      expect(String(big.headers.get('content-type'))).toMatch(/^application\/problem\+json/);
      expect(await big.json()).toMatchObject({ detail: 'the file exceeds the limit of 200000 bytes', limitBytes: 200_000 });
    }
    const plain = await api('PUT', '/v1/fax-documents/102?title=x', Buffer.from('x'), 'text/plain');
    expect(plain.status).toBe(415);
    expect((await api('GET', '/v1/fax-documents/102')).status).toBe(404);
  });
});

describe('PDF conversion under load', () => {
  it('runs one Ghostscript at a time (FAX_CONVERSIONS=1), queues one, and refuses the rest with 503 and Retry-After', async () => {
    // Sent together, each a second or so of Ghostscript: all arrive while the first converts.
    const answers = await Promise.all([200, 201, 202, 203].map((code) => api('PUT', `/v1/fax-documents/${code}?title=heavy`, makeHeavyPdf(5), 'application/pdf')));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 503, 503]);
    for (const busy of answers.filter((a) => a.status === 503)) {
      expect(busy.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(String(busy.headers.get('content-type'))).toMatch(/^application\/problem\+json/);
      expect(await busy.json()).toMatchObject({ limit: 'fax_conversions', concurrency: 1, queue: 1, detail: expect.stringMatching(/1 run at once and 1 may wait/) });
    }
    const metrics = await (await fetch(`${w.service.url}/metrics`)).text();
    expect(metrics).toMatch(/^cti_fax_conversions_peak 1$/m);
    expect(metrics).toMatch(/^cti_fax_conversions_refused 2$/m);
    expect(metrics).toMatch(/^cti_fax_conversions_running 0$/m);
  });

  it('answers a PDF Ghostscript refuses with 422 naming no path of the server, and logs none', async () => {
    const before = w.logLines.length;
    const damaged = Buffer.concat([makePdf(1).subarray(0, 40), Buffer.from('\n1 0 obj <</Type/Catalog/Pages 9 0 R>> endobj\n')]);
    const res = await api('PUT', '/v1/fax-documents/210?title=broken', damaged, 'application/pdf');
    expect(res.status).toBe(422);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ reason: 'failed', detail: expect.stringMatching(/^the PDF could not be converted/) });
    const logged = w.logLines.slice(before).join('\n');
    expect(logged).toMatch(/PDF conversion failed/);
    for (const out of [text, logged]) expect(out).not.toMatch(/cti-fax-|\/tmp\/|in\.pdf|out\.tif/);
  });
});

describe('sending faxes', () => {
  it('sends a catalogue document: queued, then sent with its pages', async () => {
    w.sim.world.setFaxReceiver('0301111111', { behaviour: 'fax', pages: 2 });
    const res = await api('POST', '/v1/faxes', { destination: '030 111 1111', documentCode: '100' });
    expect(res.status).toBe(202);
    const queued = (await res.json()) as { id: string; destination: string; status: string };
    expect(queued).toMatchObject({ destination: '0301111111', status: 'queued' });
    const done = await faxDone(queued.id);
    expect(done).toMatchObject({ status: 'sent', pagesSent: 2, attempts: 1, lastError: null });
    await w.receiver.waitFor(() => events(queued.id).some((e) => e.type === 'fax.sent'));
    expect(events(queued.id).map((e) => e.type)).toEqual(['fax.queued', 'fax.sent']);
    expect(events(queued.id)[1]!.data).toMatchObject({ pages: 2, attempts: 1, documentCode: '100', destination: '0301111111' });
  });

  it('retries a busy line and sends on the next attempt', async () => {
    w.sim.world.setFaxReceiver('0302222222', { behaviour: 'busy' });
    // The line frees up the moment the first call is refused as busy.
    const off = w.sim.world.subscribe((e) => {
      if (e.type === 'OriginateResult' && e.dialString === 'Local/0302222222@cti-fax/n' && e.reason === 5) {
        w.sim.world.setFaxReceiver('0302222222', { behaviour: 'fax', pages: 2 });
      }
    });
    try {
      const { id } = (await (await api('POST', '/v1/faxes', { destination: '0302222222', documentCode: '100' })).json()) as { id: string };
      expect(await faxDone(id)).toMatchObject({ status: 'sent', attempts: 2, pagesSent: 2 });
    } finally {
      off();
    }
  });

  it('gives up after the maximum attempts when the far end is no fax machine', async () => {
    w.sim.world.setFaxReceiver('0303333333', { behaviour: 'hangup' });
    const { id } = (await (await api('POST', '/v1/faxes', { destination: '0303333333', documentCode: '101' })).json()) as { id: string };
    const done = await faxDone(id);
    expect(done).toMatchObject({ status: 'failed', attempts: 3, pagesSent: null });
    // FAXSTATUS/FAXSTATUSSTRING from the VarSet events, as res_fax wrote them (capture 10).
    expect(done.lastError).toBe('The call dropped prematurely');
    await w.receiver.waitFor(() => events(id).some((e) => e.type === 'fax.failed'));
    expect(events(id).find((e) => e.type === 'fax.failed')!.data).toMatchObject({ reason: 'fax_failed', attempts: 3 });
  });

  it('counts a transfer cut off mid-page and a line that never answers as failures', async () => {
    w.sim.world.setFaxReceiver('0304444444', { behaviour: 'abort' });
    w.sim.world.setFaxReceiver('0305555555', { behaviour: 'no-answer' });
    const a = (await (await api('POST', '/v1/faxes', { destination: '0304444444', documentCode: '101' })).json()) as { id: string };
    const b = (await (await api('POST', '/v1/faxes', { destination: '0305555555', documentCode: '101' })).json()) as { id: string };
    expect(await faxDone(a.id)).toMatchObject({ status: 'failed', attempts: 3, lastError: 'The call dropped prematurely' });
    expect(await faxDone(b.id)).toMatchObject({ status: 'failed', attempts: 3, lastError: 'nobody answered' });
  });

  it('sends a one-off upload', async () => {
    w.sim.world.setFaxReceiver('0306666666', { behaviour: 'fax', pages: 1 });
    const res = await api('POST', '/v1/faxes/upload?destination=0306666666', makeTiff([{ yres: 98 }]), 'image/tiff');
    expect(res.status).toBe(202);
    const { id, documentCode } = (await res.json()) as { id: string; documentCode: string | null };
    expect(documentCode).toBeNull();
    expect(await faxDone(id)).toMatchObject({ status: 'sent', pagesSent: 1 });
  });

  it('refuses numbers outside the dial allow-list and unknown documents', async () => {
    const intl = await api('POST', '/v1/faxes', { destination: '+4930123456', documentCode: '100' });
    expect(intl.status).toBe(422);
    expect(((await intl.json()) as { detail: string }).detail).toMatch(/denied pattern/);
    expect((await api('POST', '/v1/faxes', { destination: '0900123456', documentCode: '100' })).status).toBe(422);
    expect((await api('POST', '/v1/faxes', { destination: '0301111111', documentCode: '999' })).status).toBe(404);
    const list = (await (await api('GET', '/v1/faxes?status=sent')).json()) as { items: Array<{ status: string }> };
    expect(list.items.length).toBeGreaterThanOrEqual(3);
    expect(list.items.every((f) => f.status === 'sent')).toBe(true);
  });
});

describe('fax API documentation', () => {
  it('documents the uploads as PDF or TIFF bodies', async () => {
    const doc = (await (await fetch(`${w.service.url}/docs/json`)).json()) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>> };
    expect(Object.keys(doc.paths['/v1/fax-documents/{code}']!.put!.requestBody!.content).sort()).toEqual(['application/pdf', 'image/tiff']);
    expect(Object.keys(doc.paths['/v1/faxes/upload']!.post!.requestBody!.content).sort()).toEqual(['application/pdf', 'image/tiff']);
    expect(doc.paths['/v1/mailboxes/{id}/messages/{messageId}/audio']).toBeDefined();
  });
});

describe('faxes without a job', () => {
  it('a fax recorded while Redis refused its job is sent after the next PBX resync', async () => {
    // As POST /v1/faxes leaves it when the queue is unreachable: the row, no job.
    const fax = await createFax(w.service.db, { destination: '0308888888', documentCode: '101', pages: 2, maxAttempts: 3 });
    w.sim.world.setFaxReceiver('0308888888', { behaviour: 'fax', pages: 2 });
    await simControl(w.sim, '/faults/ari-drop');
    expect(await faxDone(fax.id)).toMatchObject({ status: 'sent', attempts: 1, pagesSent: 2 });
  });
});

describe('fax-on-demand from the IVR', () => {
  it('an unknown code gets the invalid prompt; a known one is faxed to the caller and announced with the call', async () => {
    await publishFlow(
      w,
      {
        id: 'fax-line',
        entry: 'code',
        nodes: {
          code: { type: 'collect', prompt: { media: ['sound:cti/enter-order'] }, variable: 'documentCode', minDigits: 3, maxDigits: 3, next: 'send', fallback: 'bye' },
          send: { type: 'fax', documentVar: 'documentCode', next: 'bye', invalidPrompt: { media: ['sound:cti/invalid'] }, onInvalid: 'code' },
          bye: { type: 'hangup', prompt: { media: ['sound:cti/goodbye'] } },
        },
      },
      '400',
    );
    w.sim.world.setFaxReceiver('0307777777', { behaviour: 'fax', pages: 2 });
    const { channelId, callId } = await placeCall(w, '400', '0307777777');
    await waitAt(w, channelId, 'code', 'collecting');
    await press(w, channelId, '999');
    await waitFor('the invalid prompt', () => w.heard.get(channelId)?.includes('sound:cti/invalid'));
    // The caller is asked for the code again.
    await waitFor('the code prompt again', () => w.heard.get(channelId)?.filter((m) => m === 'sound:cti/enter-order').length === 2);
    await waitAt(w, channelId, 'code', 'collecting');
    await press(w, channelId, '100');
    await waitEnded(w, callId);
    expect(w.heard.get(channelId)?.at(-1)).toBe('sound:cti/goodbye');

    const fax = await waitFor('the fax of the call', async () => {
      const list = (await (await api('GET', '/v1/faxes')).json()) as { items: Array<{ id: string; callId: string | null }> };
      return list.items.find((f) => f.callId === callId);
    });
    expect(await faxDone(fax.id)).toMatchObject({ status: 'sent', destination: '0307777777', documentCode: '100', pagesSent: 2 });
    await w.receiver.waitFor(() => events(fax.id).some((e) => e.type === 'fax.sent'));
    expect(w.receiver.received.find((r) => r.json.type === 'fax.sent' && r.json.data.faxId === fax.id)!.json.callId).toBe(callId);
    const { rows } = await w.t.db.query("SELECT data->>'outcome' AS outcome FROM call_events WHERE call_id = $1 AND type = 'ivr.step' AND data->>'node' = 'send' ORDER BY at, id", [callId]);
    expect(rows.map((r) => r.outcome)).toEqual(['refused: no fax document 999', 'requested']);
  });

  it('reads a keyed number back; 2 keys it again, 1 sends the fax to the confirmed number', async () => {
    await publishFlow(
      w,
      {
        id: 'fax-keyed',
        entry: 'code',
        nodes: {
          code: { type: 'collect', prompt: { media: ['sound:cti/enter-order'] }, variable: 'documentCode', minDigits: 3, maxDigits: 3, next: 'number', fallback: 'bye' },
          number: { type: 'collect', prompt: { media: ['sound:cti/enter-number'] }, variable: 'faxTo', minDigits: 6, maxDigits: 15, next: 'send', fallback: 'bye' },
          send: {
            type: 'fax',
            documentVar: 'documentCode',
            destinationVar: 'faxTo',
            next: 'bye',
            confirm: { prompt: { media: ['sound:cti/number-is'] }, question: { media: ['sound:cti/press-1-or-2'] }, reenter: 'number', tries: 3, fallback: 'bye' },
          },
          bye: { type: 'hangup', prompt: { media: ['sound:cti/goodbye'] } },
        },
      },
      '401',
    );
    w.sim.world.setFaxReceiver('0306666662', { behaviour: 'fax', pages: 2 });
    const { channelId, callId } = await placeCall(w, '401', '0307777770');
    await waitAt(w, channelId, 'code', 'collecting');
    await press(w, channelId, '100');
    await waitAt(w, channelId, 'number', 'collecting');
    await press(w, channelId, '0306666661#');
    await waitAt(w, channelId, 'send', 'awaiting_confirmation');
    expect(w.heard.get(channelId)?.slice(-3)).toEqual(['sound:cti/number-is', 'digits:0306666661', 'sound:cti/press-1-or-2']);
    // A digit wrong: key it again.
    await press(w, channelId, '2');
    await waitAt(w, channelId, 'number', 'collecting');
    await press(w, channelId, '0306666662#');
    await waitAt(w, channelId, 'send', 'awaiting_confirmation');
    expect(w.heard.get(channelId)?.slice(-3)).toEqual(['sound:cti/number-is', 'digits:0306666662', 'sound:cti/press-1-or-2']);
    await press(w, channelId, '1');
    await waitEnded(w, callId);

    const fax = await waitFor('the fax of the call', async () => {
      const list = (await (await api('GET', '/v1/faxes')).json()) as { items: Array<{ id: string; callId: string | null }> };
      return list.items.find((f) => f.callId === callId);
    });
    expect(await faxDone(fax.id)).toMatchObject({ status: 'sent', destination: '0306666662', documentCode: '100' });
    const { rows } = await w.t.db.query("SELECT data->>'outcome' AS outcome FROM call_events WHERE call_id = $1 AND type = 'ivr.step' AND data->>'node' = 'send' ORDER BY at, id", [callId]);
    expect(rows.map((r) => r.outcome)).toEqual(['reenter', 'confirmed', 'requested']);
    // One fax only, to the number confirmed.
    const { rows: faxes } = await w.t.db.query('SELECT destination FROM faxes WHERE call_id = $1', [callId]);
    expect(faxes).toEqual([{ destination: '0306666662' }]);
  });
});
