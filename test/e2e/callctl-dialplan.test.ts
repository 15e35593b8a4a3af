// Calls the site's own dialplan controls (they never enter cti-bridge's app): the API
// blind-transfers them through AMI BlindTransfer into the shipped dialplan's contexts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmiActionError } from '../../src/ami/index.js';
import { createApiKey } from '../../src/api/keys.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { simControl } from '../helpers/service.js';
import { alive, startCallCtlWorld, type CallCtlWorld } from './callctl-fixture.js';

describe('transfers of channels outside the Stasis app (AMI)', () => {
  let w: CallCtlWorld;
  beforeAll(async () => {
    w = await startCallCtlWorld('callctl-ami');
    await waitUntil(() => w.service.nodes[0]!.amiClient?.state === 'logged-in', 'AMI logged in');
  });
  afterAll(async () => {
    await w?.close();
  });

  /** A caller whom the dialplan itself connected to phone 1001 (Stasis app not in use). */
  async function dialplanCall() {
    const { channelId } = await simControl<{ channelId: string; stasis: boolean }>(w.sim, '/calls', { from: '+15550001', to: '100', app: 'some-other-app' });
    const agent = await waitFor('phone 1001 answered', () =>
      w.sim.world.channels().find((c) => c.name.startsWith('PJSIP/1001-') && c.state === 'Up' && c.linkedid === w.sim.world.channel(channelId)?.linkedid),
    );
    return { caller: channelId, agent };
  }

  it('moves the caller to another extension; the transferring phone leaves', async () => {
    const { caller, agent } = await dialplanCall();
    const res = await w.api<{ context: string; exten: string }>('POST', '/v1/channel-transfers', { channel: agent.name, to: { extension: '1002' } });
    expect(res).toMatchObject({ status: 200, body: { context: 'cti-agents', exten: '1002' } });
    await waitUntil(() => !alive(w, agent.id), 'the transferring phone hung up');
    const target = await waitFor('phone 1002 answered', () => w.sim.world.channels().find((c) => c.name.startsWith('PJSIP/1002-') && c.state === 'Up'));
    expect(alive(w, caller)).toBe(true);
    expect(w.sim.world.channel(caller)!.dialplan).toMatchObject({ context: 'cti-agents', exten: '1002', appName: 'Dial' });
    expect(target.linkedid).toBe(w.sim.world.channel(caller)!.linkedid);
    w.sim.world.remoteHangup(caller);
    await waitUntil(() => !alive(w, target.id), 'the call ends');
  });

  it('refuses bad channel names, unknown channels, lone channels and numbers outside the allow-list', async () => {
    expect((await w.api('POST', '/v1/channel-transfers', { channel: 'PJSIP/1001,Dial(x)', to: { extension: '1002' } })).status).toBe(422);
    expect((await w.api('POST', '/v1/channel-transfers', { channel: 'PJSIP/9999-00000099', to: { extension: '1002' } })).status).toBe(404);
    const { agent } = await dialplanCall();
    expect((await w.api('POST', '/v1/channel-transfers', { channel: agent.name, to: { number: '0044123456789' } })).status).toBe(422);
    expect((await w.api('POST', '/v1/channel-transfers', { channel: agent.name, to: { extension: '1002' }, mode: 'consult' })).status).toBe(400);
    expect((await w.api('POST', '/v1/channel-transfers/cancel', { channel: 'PJSIP/1001;Dial' })).status).toBe(422);
    expect((await w.api('POST', '/v1/channel-transfers/complete', { channel: 'PJSIP/9999-00000099' })).status).toBe(404);
    w.sim.world.remoteHangup(agent.id);
    await waitUntil(() => !alive(w, agent.id), 'hung up');
  });

  const phone = (ext: string, state = 'Up') => w.sim.world.channels().find((c) => c.name.startsWith(`PJSIP/${ext}-`) && c.state === state);

  it('attended: the caller hears music while A consults B; completing hands the caller to B', async () => {
    const { caller, agent } = await dialplanCall();
    const res = await w.api('POST', '/v1/channel-transfers', { channel: agent.name, to: { extension: '1002' }, mode: 'attended' });
    expect(res.status).toBe(200);
    const target = await waitFor('B answered', () => phone('1002'));
    await waitUntil(() => w.sim.world.talkingWith(agent.id) === target.id, 'A consults B');
    expect(w.sim.world.talkingWith(caller)).toBeUndefined();
    // Another key cannot complete the transfer this key started.
    const other = (await createApiKey(w.service.db, { name: 'other', scopes: ['calls:write'] })).key;
    const stranger = await fetch(`${w.service.url}/v1/channel-transfers/complete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: agent.name }),
    });
    expect(stranger.status).toBe(404);
    expect(alive(w, agent.id)).toBe(true);
    expect((await w.api('POST', '/v1/channel-transfers/complete', { channel: agent.name })).status).toBe(204);
    // Done: completing again finds no transfer.
    expect((await w.api('POST', '/v1/channel-transfers/complete', { channel: agent.name })).status).toBe(404);
    await waitUntil(() => !alive(w, agent.id), 'A left');
    await waitUntil(() => w.sim.world.talkingWith(caller) === target.id, 'the caller talks with B');
    w.sim.world.remoteHangup(caller);
    await waitUntil(() => !alive(w, target.id), 'the call ends');
  });

  it('attended: cancelling hangs B up and gives the caller back to A', async () => {
    const { caller, agent } = await dialplanCall();
    await w.api('POST', '/v1/channel-transfers', { channel: agent.name, to: { extension: '1002' }, mode: 'attended' });
    const target = await waitFor('B answered', () => phone('1002'));
    await waitUntil(() => w.sim.world.talkingWith(agent.id) === target.id, 'A consults B');
    expect((await w.api('POST', '/v1/channel-transfers/cancel', { channel: agent.name })).status).toBe(204);
    await waitUntil(() => !alive(w, target.id), 'B hung up');
    await waitUntil(() => w.sim.world.talkingWith(caller) === agent.id, 'A and the caller again');
    w.sim.world.remoteHangup(caller);
    await waitUntil(() => !alive(w, agent.id), 'the call ends');
  });

  it('attended: a target that does not answer gives the caller back to A', async () => {
    w.sim.world.setEndpointBehaviour('PJSIP/1003', { behaviour: 'ring-out' });
    const { caller, agent } = await dialplanCall();
    await w.api('POST', '/v1/channel-transfers', { channel: agent.name, to: { extension: '1003' }, mode: 'attended' });
    const ringing = await waitFor('B rings', () => phone('1003', 'Ringing'));
    await waitUntil(() => !alive(w, ringing.id), 'B gives up (atxfernoanswertimeout)');
    await waitUntil(() => w.sim.world.talkingWith(caller) === agent.id, 'A and the caller again');
    w.sim.world.remoteHangup(agent.id);
    await waitUntil(() => !alive(w, caller), 'the call ends');
  });

  it('the simulator answers BlindTransfer with Asterisk’s texts', async () => {
    const ami = w.service.nodes[0]!.amiClient!;
    const texts: string[] = [];
    for (const fields of [{}, { Channel: 'PJSIP/1001-00000001' }, { Channel: 'PJSIP/nobody-00000001', Exten: '1002' }]) {
      const err = await ami.action({ Action: 'BlindTransfer', ...fields }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AmiActionError);
      texts.push((err as AmiActionError).amiMessage);
    }
    expect(texts).toEqual(['No channel specified', 'No extension specified', 'Channel specified does not exist']);
    const { channelId } = await simControl<{ channelId: string }>(w.sim, '/calls', { from: '+15550002', to: '100' });
    const lone = w.sim.world.channel(channelId)!;
    const invalid = await ami.action({ Action: 'BlindTransfer', Channel: lone.name, Exten: '1002', Context: 'cti-agents' }).catch((e: unknown) => e);
    expect((invalid as AmiActionError).amiMessage).toBe('Transfer invalid');
    const queued = await ami.action({ Action: 'Atxfer', Channel: lone.name, Exten: '1002', Context: 'cti-agents' });
    expect(queued.get('Message')).toBe('Atxfer successfully queued');
    const cancel = await ami.action({ Action: 'CancelAtxfer', Channel: lone.name });
    expect(cancel.get('Message')).toBe('CancelAtxfer successfully queued');
    const noExten = await ami.action({ Action: 'Atxfer', Channel: lone.name }).catch((e: unknown) => e);
    expect((noExten as AmiActionError).amiMessage).toBe('No extension specified');
  });
});
