// The REST half of the ARI client against a loopback server that answers with the bytes
// captured from a real Asterisk 22. Each case checks both directions: the request we send
// matches the captured request (line, auth header, body) and the captured answer maps to
// the right result or typed error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AriArgumentError, AriHttpError, AriRequestError } from '../../src/ari/errors.js';
import { AriRest } from '../../src/ari/rest.js';
import type { MuteDirection } from '../../src/ari/rest-channels.js';
import {
  ARI_AUTHORIZATION,
  ARI_PASSWORD,
  ARI_USER,
  capturedRequest,
  capturedResponse,
  startReplayServer,
  type RawRequest,
  type ReplayServer,
} from './ari-fixtures.js';

let server: ReplayServer;
let rest: AriRest;

beforeAll(async () => {
  server = await startReplayServer();
  rest = new AriRest({ baseUrl: server.url, user: ARI_USER, password: ARI_PASSWORD, timeoutMs: 5_000 });
});
afterAll(async () => {
  await server.close();
});

/** Plan the fixture, run the call, and return what it resolved to plus the request sent. */
async function exchange<T>(fixture: string, call: () => Promise<T>): Promise<{ result: T; sent: RawRequest }> {
  server.next(fixture);
  const before = server.requests.length;
  const result = await call();
  expect(server.requests.length).toBe(before + 1);
  return { result, sent: server.requests[before] as RawRequest };
}

async function failure(fixture: string, call: () => Promise<unknown>): Promise<{ err: AriHttpError; sent: RawRequest }> {
  server.next(fixture);
  const before = server.requests.length;
  const err = await call().then(
    () => {
      throw new Error(`expected ${fixture} to fail`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AriHttpError);
  return { err: err as AriHttpError, sent: server.requests[before] as RawRequest };
}

function body(fixture: string): unknown {
  return JSON.parse(capturedResponse(fixture).body.toString('utf8'));
}

/** Our request line equals the captured one, byte for byte, with Basic auth in a header. */
function expectSameRequest(sent: RawRequest, fixture: string, opts: { extraQuery?: string } = {}): void {
  const captured = capturedRequest(fixture);
  expect(sent.method).toBe(captured.method);
  expect(sent.target).toBe(captured.target + (opts.extraQuery ?? ''));
  expect(sent.headers.authorization).toBe(ARI_AUTHORIZATION);
  if (captured.body.length > 0) {
    expect(JSON.parse(sent.body.toString('utf8'))).toEqual(JSON.parse(captured.body.toString('utf8')));
    expect(sent.headers['content-type']).toBe('application/json');
  } else {
    expect(sent.body.length).toBe(0);
  }
}

function queryOf(target: string): string {
  const i = target.indexOf('?');
  return i < 0 ? '' : target.slice(i);
}

describe('ARI REST against captured Asterisk answers', () => {
  it('reads asterisk info, ping, applications and channels', async () => {
    const info = await exchange('001-200-asterisk-info', () => rest.asterisk.info());
    expectSameRequest(info.sent, '001-200-asterisk-info');
    expect(info.result).toEqual(body('001-200-asterisk-info'));
    expect(info.result.system?.version).toMatch(/^22\./);

    const ping = await exchange('002-200-asterisk-ping', () => rest.asterisk.ping());
    expectSameRequest(ping.sent, '002-200-asterisk-ping');
    expect(ping.result.ping).toBe('pong');

    const apps = await exchange('005-200-applications-before-connect', () => rest.applications.list());
    expectSameRequest(apps.sent, '005-200-applications-before-connect');
    expect(apps.result).toEqual(body('005-200-applications-before-connect'));

    const app = await exchange('006-200-application-get', () => rest.applications.get('cti-bridge'));
    expectSameRequest(app.sent, '006-200-application-get');
    expect(app.result.name).toBe('cti-bridge');

    const none = await exchange('009-200-channels-list-empty', () => rest.channels.list());
    expectSameRequest(none.sent, '009-200-channels-list-empty');
    expect(none.result).toEqual([]);

    const one = await exchange('017-200-channels-list-one-call', () => rest.channels.list());
    expect(one.result.map((c) => c.id)).toEqual(
      (body('017-200-channels-list-one-call') as { id: string }[]).map((c) => c.id),
    );

    const chan = await exchange('018-200-channel-get', () => rest.channels.get('1795384317.33'));
    expectSameRequest(chan.sent, '018-200-channel-get');
    expect(chan.result.id).toBe('1795384317.33');
    expect(chan.result.caller.number).toBe('+15551230001');
  });

  it('sends a wrong password in the header and maps the 401', async () => {
    const wrong = new AriRest({ baseUrl: server.url, user: 'cti', password: 'wrong' });
    const { err, sent } = await failure('003-401-error-bad-password', () => wrong.asterisk.info());
    expect(sent.target).toBe('/ari/asterisk/info');
    expect(sent.headers.authorization).toBe(`Basic ${Buffer.from('cti:wrong').toString('base64')}`);
    expect(err.status).toBe(401);
    expect(err.ariMessage).toBe('Authentication required');
    expect(err.method).toBe('GET');
    expect(err.path).toBe('/asterisk/info');
    // The password is nowhere in the error.
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain('wrong');
  });

  it('originates into the dialplan with our own id, variables in the JSON body', async () => {
    const { result, sent } = await exchange('012-200-channels-originate-inbound-call', () =>
      rest.channels.originate({
        channelId: 'call-1-a',
        endpoint: 'Local/100@from-pstn',
        extension: 's',
        context: 'caller-script',
        priority: 1,
        callerId: '"Alice Caller" <+15551230001>',
        timeout: 30,
        variables: { DTMFDELAY: '3', HOLDTIME: '60' },
      }),
    );
    const captured = capturedRequest('012-200-channels-originate-inbound-call');
    expect(sent.method).toBe('POST');
    expect(sent.target.split('?')[0]).toBe('/ari/channels/call-1-a');
    expect(queryOf(sent.target)).toBe(queryOf(captured.target));
    expect(JSON.parse(sent.body.toString())).toEqual({ variables: { DTMFDELAY: '3', HOLDTIME: '60' } });
    expect(result.name).toBe('Local/100@from-pstn-00000010;1');
  });

  it('originates into the app with comma-joined appArgs and a pre-assigned id', async () => {
    const { sent } = await exchange('035-200-channels-originate-agent-into-app', () =>
      rest.channels.originate({
        channelId: 'agent-leg-1',
        endpoint: 'Local/1001@agents',
        app: 'cti-bridge',
        appArgs: ['agent', '1001'],
        callerId: 'Queue <100>',
        timeout: 20,
        variables: { TALKTIME: '60' },
      }),
    );
    expect(sent.target.split('?')[0]).toBe('/ari/channels/agent-leg-1');
    expect(queryOf(sent.target)).toBe(queryOf(capturedRequest('035-200-channels-originate-agent-into-app').target));
  });

  it('originates with both ids exactly as captured', async () => {
    const { result, sent } = await exchange('072-200-channels-originate-with-ids', () =>
      rest.channels.originate({
        channelId: 'cti-fixed-id-101',
        otherChannelId: 'cti-fixed-id-101-b',
        endpoint: 'Local/101@from-pstn',
        extension: 'wait',
        context: 'caller-script',
        priority: 1,
        callerId: '"Waiting Caller" <+15551230004>',
        variables: { HOLDTIME: '14' },
      }),
    );
    expectSameRequest(sent, '072-200-channels-originate-with-ids');
    expect(result.id).toBe('cti-fixed-id-101');

    const dup = await failure('080-409-error-originate-duplicate-channel-id', () =>
      rest.channels.originate({ channelId: 'cti-fixed-id-101', endpoint: 'Local/101@from-pstn', app: 'cti-bridge' }),
    );
    expectSameRequest(dup.sent, '080-409-error-originate-duplicate-channel-id');
    expect(dup.err.status).toBe(409);
    expect(dup.err.ariMessage).toBe('Channel with given unique ID already exists');
  });

  it('creates a channel with our id, dials it, and maps 412/409', async () => {
    const created = await exchange('087-200-channels-create', () =>
      rest.channels.create({ channelId: 'dialed-1', endpoint: 'Local/2001@agents', app: 'cti-bridge', appArgs: ['dialed'] }),
    );
    expectSameRequest(created.sent, '087-200-channels-create', { extraQuery: '&channelId=dialed-1' });
    expect(created.result.state).toBe('Down');

    const notDialed = await failure('088-412-error-play-on-channel-not-dialed', () =>
      rest.channels.play('1795384346.51', { media: 'sound:beep', playbackId: 'pb-1' }),
    );
    expectSameRequest(notDialed.sent, '088-412-error-play-on-channel-not-dialed', { extraQuery: '&playbackId=pb-1' });
    expect(notDialed.err.status).toBe(412);
    expect(notDialed.err.ariMessage).toBe('Channel in invalid state');

    const dial = await exchange('089-204-channel-dial', () => rest.channels.dial('1795384346.51', { timeout: 5 }));
    expectSameRequest(dial.sent, '089-204-channel-dial');
    expect(dial.result).toBeUndefined();

    const twice = await failure('090-409-error-dial-twice', () => rest.channels.dial('1795384346.51', { timeout: 5 }));
    expect(twice.err.status).toBe(409);
    expect(twice.err.ariMessage).toBe("Channel is not in the 'Down' state");
  });

  it('runs channel actions with the exact captured requests', async () => {
    const id = '1795384317.33';
    const agent = '1795384321.34';
    const actions: [string, () => Promise<unknown>][] = [
      ['013-204-channel-ring', () => rest.channels.ring(id)],
      ['014-204-channel-answer', () => rest.channels.answer(id)],
      ['020-204-channel-setvar', () => rest.channels.setVariable(id, 'CTI_TAG', 'vip')],
      ['041-204-channel-send-dtmf', () => rest.channels.sendDtmf(agent, '45', { between: 100 })],
      ['042-204-channel-hold', () => rest.channels.hold(id)],
      ['043-204-channel-unhold', () => rest.channels.unhold(id)],
      ['044-204-channel-mute', () => rest.channels.mute(agent, 'in')],
      ['045-204-channel-unmute', () => rest.channels.unmute(agent, 'in')],
      ['046-204-channel-moh-start', () => rest.channels.startMoh(id, 'default')],
      ['047-204-channel-moh-stop', () => rest.channels.stopMoh(id)],
      ['061-204-channel-redirect-local-unsupported', () => rest.channels.redirect(id, 'Local/1002@agents')],
      ['068-204-channel-continue-to-dialplan', () => rest.channels.continueInDialplan(id, { context: 'after-stasis', extension: 's', priority: 1 })],
      ['073-204-channel-answer-2', () => rest.channels.answer('cti-fixed-id-101-b')],
      ['085-204-channel-moh-start-2', () => rest.channels.startMoh('cti-fixed-id-101-b')],
      ['092-204-channel-continue-bad-context', () => rest.channels.continueInDialplan('1795384352.53', { context: 'no-such-context', extension: 's', priority: 1 })],
    ];
    for (const [fixture, call] of actions) {
      const { result, sent } = await exchange(fixture, call);
      expectSameRequest(sent, fixture);
      expect(result, fixture).toBeUndefined();
    }
  });

  it('reads channel and global variables; an unset variable is undefined, a missing channel throws', async () => {
    const got = await exchange('019-200-channel-getvar-callerid', () => rest.channels.getVariable('1795384317.33', 'CALLERID(num)'));
    expectSameRequest(got.sent, '019-200-channel-getvar-callerid');
    expect(got.result).toBe('+15551230001');

    const unset = await exchange('021-404-channel-getvar-unset', () => rest.channels.getVariable('1795384317.33', 'NO_SUCH_VAR'));
    expectSameRequest(unset.sent, '021-404-channel-getvar-unset');
    expect(unset.result).toBeUndefined();

    const global = await exchange('022-200-asterisk-getvar-global', () => rest.asterisk.getVariable('FAXDIR'));
    expectSameRequest(global.sent, '022-200-asterisk-getvar-global');
    expect(global.result).toBe('/var/spool/asterisk/fax/received-lab');

    // The same 404 status for a missing channel is an error, not "unset".
    const gone = await failure('023-404-error-channel-not-found', () => rest.channels.getVariable('no-such-channel', 'X'));
    expect(gone.err.status).toBe(404);
    expect(gone.err.ariMessage).toBe('Channel not found');
  });

  it('plays with our playback id and reads the playback', async () => {
    const play = await exchange('015-201-channel-play-hello-world', () =>
      rest.channels.play('1795384317.33', { media: ['sound:hello-world'], lang: 'en', playbackId: 'fba0362c-0107-4ef7-8751-c06b29012e33' }),
    );
    expectSameRequest(play.sent, '015-201-channel-play-hello-world', { extraQuery: '&playbackId=fba0362c-0107-4ef7-8751-c06b29012e33' });
    expect(play.result.state).toBe('queued');

    const pb = await exchange('016-200-playback-get', () => rest.playbacks.get('fba0362c-0107-4ef7-8751-c06b29012e33'));
    expectSameRequest(pb.sent, '016-200-playback-get');
    expect(pb.result.state).toBe('playing');

    // An unknown media scheme is accepted by Asterisk (201): the client must not invent an error.
    const odd = await exchange('030-201-error-play-bad-media-uri', () => rest.channels.play('1795384317.33', { media: 'nosuchscheme:foo' }));
    expect(odd.result.media_uri).toBe('nosuchscheme:foo');
    expect(new URLSearchParams(queryOf(odd.sent.target)).get('playbackId')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('maps the odd error statuses Asterisk sends', async () => {
    const id = '1795384317.33';
    const noMedia = await failure('026-500-error-play-no-media', () => rest.http.request('POST', `/channels/${id}/play`));
    expect(noMedia.err).toMatchObject({ status: 500, statusText: 'Internal Server Error', ariMessage: 'Failed to queue media for playback' });

    const sideways = await failure('027-400-error-mute-bad-direction', () => rest.channels.mute(id, 'sideways' as MuteDirection));
    expectSameRequest(sideways.sent, '027-400-error-mute-bad-direction');
    expect(sideways.err).toMatchObject({ status: 400, ariMessage: 'Invalid direction specified' });

    const notInStasis = await failure('029-409-error-answer-channel-not-in-stasis', () => rest.channels.answer('1795384317.32'));
    expect(notInStasis.err).toMatchObject({ status: 409, method: 'POST', path: '/channels/1795384317.32/answer', ariMessage: 'Channel not in Stasis application' });

    const unknownPath = await failure('031-404-error-unknown-path', () => rest.http.request('GET', '/no/such/resource'));
    expect(unknownPath.err).toMatchObject({ status: 404, ariMessage: 'Resource not found' });

    const badMethod = await failure('032-405-error-method-not-allowed', () => rest.http.request('PUT', '/asterisk/info'));
    expect(badMethod.err).toMatchObject({ status: 405, statusText: 'Method Not Allowed', ariMessage: 'Invalid method' });

    // `400 Not Found`: the status decides, the reason phrase is kept as sent.
    const noEndpoint = await failure('064-400-error-redirect-no-endpoint', () => rest.http.request('POST', `/channels/${id}/redirect`));
    expect(noEndpoint.err).toMatchObject({ status: 400, statusText: 'Not Found', ariMessage: "Required parameter 'endpoint' not provided." });

    const mismatch = await failure('062-422-error-redirect-tech-mismatch', () => rest.channels.redirect(id, 'PJSIP/1002'));
    expectSameRequest(mismatch.sent, '062-422-error-redirect-tech-mismatch');
    expect(mismatch.err).toMatchObject({ status: 422, ariMessage: "Endpoint technology 'PJSIP' does not match channel technology 'Local'" });

    const notCreated = await failure('065-409-error-dial-channel-not-created-by-ari', () => rest.channels.dial(id));
    expectSameRequest(notCreated.sent, '065-409-error-dial-channel-not-created-by-ari');
    expect(notCreated.err.status).toBe(409);

    const badJson = await failure('028-400-error-bad-json-body', () => rest.http.request('POST', '/channels', { body: {} }));
    expect(badJson.err).toMatchObject({ status: 400, ariMessage: 'Error parsing request body' });
    expect(badJson.err.message).toBe('ARI POST /channels failed: 400 Error parsing request body');
  });

  it('treats a 404 on hangup as done', async () => {
    const first = await exchange('066-204-channel-hangup-agent', () => rest.channels.hangup('1795384321.34', { reason: 'normal' }));
    expectSameRequest(first.sent, '066-204-channel-hangup-agent');
    expect(first.result).toBe(true);

    const second = await exchange('067-404-error-hangup-gone-channel', () => rest.channels.hangup('1795384321.34'));
    expectSameRequest(second.sent, '067-404-error-hangup-gone-channel');
    expect(second.result).toBe(false);
  });

  it('does not take "Resource not found" (a wrong URL) for an already deleted object', async () => {
    const { err } = await failure('031-404-error-unknown-path', () => rest.channels.hangup('1795384321.34'));
    expect(err.status).toBe(404);
    expect(err.ariMessage).toBe('Resource not found');
  });

  it('creates, fills, plays into and destroys bridges; 404 on destroy is done', async () => {
    const mixing = await exchange('034-200-bridge-create-mixing', () => rest.bridges.create({ type: 'mixing', name: 'cti-call-1' }));
    expectSameRequest(mixing.sent, '034-200-bridge-create-mixing');
    expect(mixing.result.bridge_type).toBe('mixing');

    const add = await exchange('036-204-bridge-add-both-channels', () =>
      rest.bridges.addChannel('12a1f0a9-7ba2-4f11-894f-ba50095ee54a', ['1795384317.33', '1795384321.34']),
    );
    expectSameRequest(add.sent, '036-204-bridge-add-both-channels');

    const got = await exchange('037-200-bridge-get', () => rest.bridges.get('12a1f0a9-7ba2-4f11-894f-ba50095ee54a'));
    expectSameRequest(got.sent, '037-200-bridge-get');
    expect(got.result.channels).toEqual(['1795384317.33', '1795384321.34']);

    const list = await exchange('038-200-bridges-list', () => rest.bridges.list());
    expect(list.result).toHaveLength(1);

    const unknown = await failure('039-400-error-bridge-add-unknown-channel', () =>
      rest.bridges.addChannel('12a1f0a9-7ba2-4f11-894f-ba50095ee54a', 'no-such-channel'),
    );
    expectSameRequest(unknown.sent, '039-400-error-bridge-add-unknown-channel');
    expect(unknown.err).toMatchObject({ status: 400, ariMessage: 'Channel not found' });

    const nonsense = await failure('040-500-error-bridge-create-bad-type', () =>
      rest.bridges.create({ type: 'nonsense' as 'mixing' }),
    );
    expectSameRequest(nonsense.sent, '040-500-error-bridge-create-bad-type');
    expect(nonsense.err).toMatchObject({ status: 500, statusText: 'Internal Error' });

    for (const [fixture, call] of [
      ['048-204-bridge-moh-start', () => rest.bridges.startMoh('12a1f0a9-7ba2-4f11-894f-ba50095ee54a', 'default')],
      ['049-204-bridge-moh-stop', () => rest.bridges.stopMoh('12a1f0a9-7ba2-4f11-894f-ba50095ee54a')],
    ] as const) {
      expectSameRequest((await exchange(fixture, call)).sent, fixture);
    }

    const destroyed = await exchange('069-204-bridge-destroy', () => rest.bridges.destroy('12a1f0a9-7ba2-4f11-894f-ba50095ee54a'));
    expectSameRequest(destroyed.sent, '069-204-bridge-destroy');
    expect(destroyed.result).toBe(true);
    const again = await exchange('070-404-error-bridge-not-found', () => rest.bridges.destroy('12a1f0a9-7ba2-4f11-894f-ba50095ee54a'));
    expect(again.result).toBe(false);
  });

  it('runs a holding bridge with our bridge id', async () => {
    const holding = await exchange('071-200-bridge-create-holding-with-id', () =>
      rest.bridges.create({ type: 'holding', name: 'waiting-room', bridgeId: 'waiting-room-1' }),
    );
    expectSameRequest(holding.sent, '071-200-bridge-create-holding-with-id');
    expect(holding.result.id).toBe('waiting-room-1');

    const steps: [string, () => Promise<unknown>][] = [
      ['074-204-holding-bridge-add-participant', () => rest.bridges.addChannel('waiting-room-1', 'cti-fixed-id-101-b', { role: 'participant' })],
      ['075-204-holding-bridge-moh-start', () => rest.bridges.startMoh('waiting-room-1', 'default')],
      ['076-204-holding-bridge-moh-stop', () => rest.bridges.stopMoh('waiting-room-1')],
      ['078-204-holding-bridge-remove-channel', () => rest.bridges.removeChannel('waiting-room-1', 'cti-fixed-id-101-b')],
    ];
    for (const [fixture, call] of steps) expectSameRequest((await exchange(fixture, call)).sent, fixture);

    const play = await exchange('077-201-holding-bridge-play-announcement', () =>
      rest.bridges.play('waiting-room-1', { media: 'sound:queue-thankyou', playbackId: 'ann-1' }),
    );
    expectSameRequest(play.sent, '077-201-holding-bridge-play-announcement', { extraQuery: '&playbackId=ann-1' });
    expect(play.result.target_uri).toBe('bridge:waiting-room-1');

    const notIn = await failure('079-422-error-remove-channel-not-in-bridge', () => rest.bridges.removeChannel('waiting-room-1', 'cti-fixed-id-101-b'));
    expect(notIn.err).toMatchObject({ status: 422, ariMessage: 'Channel not in this bridge' });

    expect((await exchange('086-204-holding-bridge-destroy', () => rest.bridges.destroy('waiting-room-1'))).result).toBe(true);
  });

  it('records, stops, lists, downloads, copies and deletes recordings', async () => {
    const bridge = '12a1f0a9-7ba2-4f11-894f-ba50095ee54a';
    const name = 'cti-bridge-rec-1795384326043';
    const rec = await exchange('050-201-bridge-record-start', () =>
      rest.bridges.record(bridge, { name, format: 'wav', ifExists: 'overwrite', maxDurationSeconds: 30 }),
    );
    expectSameRequest(rec.sent, '050-201-bridge-record-start');
    expect(rec.result.state).toBe('queued');

    const busy = await failure('051-409-error-record-same-name-in-progress', () => rest.bridges.record(bridge, { name, format: 'wav' }));
    expectSameRequest(busy.sent, '051-409-error-record-same-name-in-progress');
    expect(busy.err.status).toBe(409);

    const live = await exchange('052-200-recording-live-get', () => rest.recordings.live.get(name));
    expectSameRequest(live.sent, '052-200-recording-live-get');
    expect(live.result.state).toBe('recording');

    expectSameRequest((await exchange('053-204-recording-live-stop', () => rest.recordings.live.stop(name))).sent, '053-204-recording-live-stop');
    const stopAgain = await failure('054-404-error-stop-finished-recording', () => rest.recordings.live.stop(name));
    expect(stopAgain.err).toMatchObject({ status: 404, ariMessage: 'Recording not found' });

    const stored = await exchange('056-200-recordings-stored-list', () => rest.recordings.stored.list());
    expectSameRequest(stored.sent, '056-200-recordings-stored-list');
    expect(stored.result.map((r) => r.name)).toContain(name);

    const one = await exchange('057-200-recording-stored-get', () => rest.recordings.stored.get(name));
    expect(one.result).toEqual({ name, format: 'wav' });

    const file = await exchange('058-200-recording-stored-file', () => rest.recordings.stored.file(name));
    expectSameRequest(file.sent, '058-200-recording-stored-file');
    expect(Buffer.isBuffer(file.result)).toBe(true);
    expect(file.result.equals(capturedResponse('058-200-recording-stored-file').body)).toBe(true);
    expect(file.result.subarray(0, 4).toString('latin1')).toBe('RIFF');

    const missing = await failure('059-404-error-stored-recording', () => rest.recordings.stored.get('no-such-recording'));
    expect(missing.err.status).toBe(404);

    const chanRec = await exchange('081-201-channel-record-start', () =>
      rest.channels.record('cti-fixed-id-101-b', { name: 'cti-chan-rec-1795384335794', format: 'wav', maxDurationSeconds: 2, beep: true, terminateOn: '#' }),
    );
    expectSameRequest(chanRec.sent, '081-201-channel-record-start');

    const inBridge = await exchange('060-201-channel-record-while-bridged', () =>
      rest.channels.record('1795384317.33', { name: 'cti-chan-rec-in-bridge-1795384328863', format: 'wav', maxDurationSeconds: 2 }),
    );
    expectSameRequest(inBridge.sent, '060-201-channel-record-while-bridged');

    const copy = await exchange('083-200-recording-stored-copy', () =>
      rest.recordings.stored.copy('cti-chan-rec-1795384335794', 'cti-chan-rec-1795384335794-copy'),
    );
    expectSameRequest(copy.sent, '083-200-recording-stored-copy');
    expect(copy.result.name).toBe('cti-chan-rec-1795384335794-copy');

    const del = await exchange('084-204-recording-stored-delete', () => rest.recordings.stored.delete('cti-chan-rec-1795384335794-copy'));
    expectSameRequest(del.sent, '084-204-recording-stored-delete');
    expect(del.result).toBe(true);
    const delAgain = await exchange('059-404-error-stored-recording', () => rest.recordings.stored.delete('cti-chan-rec-1795384335794-copy'));
    expect(delAgain.result).toBe(false);
  });

  it('refuses requests Asterisk would misread, before sending anything', async () => {
    const before = server.requests.length;
    await expect(rest.channels.play('c', { media: [] })).rejects.toBeInstanceOf(AriArgumentError);
    await expect(
      rest.channels.originate({ channelId: 'x', endpoint: 'Local/1@a', app: 'cti-bridge', appArgs: ['a,b'] }),
    ).rejects.toBeInstanceOf(AriArgumentError);
    await expect(rest.bridges.addChannel('b', [])).rejects.toBeInstanceOf(AriArgumentError);
    await expect(rest.channels.hangup('')).rejects.toBeInstanceOf(AriArgumentError);
    expect(server.requests.length).toBe(before);
    expect(() => new AriRest({ baseUrl: 'http://cti:secret@127.0.0.1:8088/ari', user: 'cti', password: 'x' })).toThrow(
      /must not contain credentials/,
    );
  });

  it('times out a request that gets no answer', async () => {
    const impatient = new AriRest({ baseUrl: server.url, user: ARI_USER, password: ARI_PASSWORD, timeoutMs: 100 });
    server.nextHang();
    const err = await impatient.channels.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriRequestError);
    expect((err as AriRequestError).timedOut).toBe(true);
    expect((err as AriRequestError).path).toBe('/channels');
  });

  it('reports a refused connection as a request error', async () => {
    const closed = await startReplayServer();
    const url = closed.url;
    await closed.close();
    const gone = new AriRest({ baseUrl: url, user: ARI_USER, password: ARI_PASSWORD });
    const err = await gone.asterisk.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriRequestError);
    expect((err as AriRequestError).timedOut).toBe(false);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });
});
