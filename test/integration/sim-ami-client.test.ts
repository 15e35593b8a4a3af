// Our AMI client against the simulator's AMI server, over real TCP.
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmiClient, type AmiClientOptions } from '../../src/ami/client.js';
import { AmiActionError, AmiAuthError, AmiDisconnectedError, AmiNotConnectedError } from '../../src/ami/errors.js';
import type { AmiEvent } from '../../src/ami/message.js';
import { createLogger } from '../../src/log.js';
import { startAmiServer, type AmiServerHandle } from '../../src/sim/ami-server.js';
import { World } from '../../src/sim/world.js';
import { waitUntil } from '../helpers/wait.js';

let world: World;
let server: AmiServerHandle;
const clients: AmiClient[] = [];

function client(extra: Partial<AmiClientOptions> = {}): AmiClient {
  const c = new AmiClient({
    host: '127.0.0.1',
    port: server.port,
    username: 'cti',
    secret: 'cti-secret',
    reconnect: { minMs: 20, maxMs: 100 },
    pingIntervalMs: 0,
    ...extra,
  });
  clients.push(c);
  return c;
}

function next<T extends unknown[]>(c: AmiClient, name: 'ready' | 'disconnected' | 'error'): Promise<T> {
  return new Promise((resolve) => c.once(name, (...args: unknown[]) => resolve(args as T)));
}


beforeEach(async () => {
  world = new World({ speed: 50 });
  server = await startAmiServer(world, { username: 'cti', secret: 'cti-secret' });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await server.close();
  world.close();
});

describe('AmiClient against the simulated PBX', () => {
  it('logs in, emits ready and receives FullyBooted through the event queue', async () => {
    const c = client();
    const events: AmiEvent[] = [];
    c.on('event', (e) => events.push(e));
    expect(c.state).toBe('disconnected');
    const ready = next(c, 'ready');
    c.start();
    expect(c.state).toBe('connecting');
    await ready;
    expect(c.state).toBe('logged-in');
    expect(c.amiVersion).toBe('11.0.0');
    await waitUntil(() => events.some((e) => e.event === 'SuccessfulAuth'), 'SuccessfulAuth');
    expect(events.map((e) => e.event).slice(0, 2)).toEqual(['FullyBooted', 'SuccessfulAuth']);
    expect(c.stats.eventsReceived).toBeGreaterThanOrEqual(2);
  });

  it('logs in with the exact Events mask: "call" gets call events but no system/security ones', async () => {
    const c = client({ events: 'call' });
    const events: AmiEvent[] = [];
    c.on('event', (e) => events.push(e));
    const ready = next(c, 'ready');
    c.start();
    await ready;
    world.inboundCall({ from: '+15551230001', to: '100' });
    await waitUntil(() => events.some((e) => e.event === 'Newchannel'), 'Newchannel');
    expect(events.some((e) => e.event === 'FullyBooted' || e.event === 'SuccessfulAuth')).toBe(false);
    expect(events.every((e) => e.get('Privilege') === 'call,all')).toBe(true);
  });

  it('reports a refused login as AmiAuthError, keeps retrying, and never logs the secret', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const c = client({ secret: 'wrong-secret-XYZ', log: createLogger('debug', sink) });
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    c.start();
    await waitUntil(() => c.stats.loginFailures >= 2, 'two login attempts');
    expect(errors[0]).toBeInstanceOf(AmiAuthError);
    expect(errors[0]?.message).toContain('Authentication failed');
    expect(c.state).not.toBe('logged-in');
    expect(c.stats.reconnects).toBeGreaterThanOrEqual(1);
    await expect(c.action({ Action: 'Ping' })).rejects.toBeInstanceOf(AmiNotConnectedError);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain('wrong-secret-XYZ');
  });

  it('does not crash when a login fails and nobody listens for errors', async () => {
    const c = client({ secret: 'nope' });
    c.start();
    await waitUntil(() => c.stats.loginFailures >= 1, 'a login attempt');
    expect(c.state).not.toBe('logged-in');
  });

  it('correlates concurrent actions by ActionID while events interleave', async () => {
    const c = client();
    const ready = next(c, 'ready');
    c.start();
    await ready;
    for (let i = 0; i < 20; i++) world.setGlobal(`CTI_T${i}`, `value-${i}`);
    world.inboundCall({ from: '+15551230001', to: '100' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.action({ Action: 'Getvar', Variable: `CTI_T${i}` })),
    );
    answers.forEach((r, i) => {
      expect(r.get('Variable')).toBe(`CTI_T${i}`);
      expect(r.get('Value')).toBe(`value-${i}`);
    });
    expect(new Set(answers.map((r) => r.actionId)).size).toBe(20);
  });

  it('rejects Response: Error with AmiActionError carrying the message', async () => {
    const c = client();
    const ready = next(c, 'ready');
    c.start();
    await ready;
    const err = await c.action({ Action: 'Hangup', Channel: 'Local/nope@nowhere-00000000;1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmiActionError);
    expect((err as AmiActionError).amiMessage).toBe('No such channel');
    const redirect = await c.action({ Action: 'Redirect', Channel: 'X/none', Context: 'a', Exten: 's', Priority: 1 }).catch((e: unknown) => e);
    expect((redirect as AmiActionError).amiMessage).toBe('Channel does not exist: X/none');
    // Header injection is refused before anything is written.
    await expect(c.action({ Action: 'Setvar', Variable: 'X', Value: 'a\r\nAction: Logoff' })).rejects.toThrow(/CR, LF/);
    expect(c.state).toBe('logged-in');
  });

  it('aggregates a CoreShowChannels event list over live channels', async () => {
    const c = client();
    const ready = next(c, 'ready');
    c.start();
    await ready;
    world.inboundCall({ from: '+15551230001', to: '100' });
    world.inboundCall({ from: '+15551230002', to: '101' });
    await waitUntil(() => world.channels().length >= 4, 'four channels');
    const names = world.channels().map((ch) => ch.name).sort();
    const r = await c.action({ Action: 'CoreShowChannels' });
    expect(r.get('EventList')).toBe('start');
    expect(r.events.map((e) => e.event)).toEqual(names.map(() => 'CoreShowChannel'));
    expect(r.events.map((e) => e.get('Channel')).sort()).toEqual(names);
    expect(r.complete?.event).toBe('CoreShowChannelsComplete');
    expect(r.complete?.get('ListItems')).toBe(String(names.length));
    const status = await c.action({ Action: 'Status' });
    expect(status.events.map((e) => e.get('Channel')).sort()).toEqual(names);
    expect(status.complete?.get('Items')).toBe(String(names.length));
  });

  it('rejects every pending action when the connection drops, then reconnects and emits ready again', async () => {
    world.close();
    world = new World({ speed: 1 });
    await server.close();
    server = await startAmiServer(world, { username: 'cti', secret: 'cti-secret' });
    const c = client();
    let readies = 0;
    c.on('ready', () => readies++);
    const ready = next(c, 'ready');
    c.start();
    await ready;
    // A synchronous Originate to a phone that rings for a minute stays pending.
    const pending = c.action({ Action: 'Originate', Channel: 'Local/2001@agents', Context: 'caller-script', Exten: 's', Priority: 1, Timeout: 60_000 }, { timeoutMs: 60_000 });
    const pending2 = c.action({ Action: 'Originate', Channel: 'Local/2002@agents', Context: 'caller-script', Exten: 's', Priority: 1, Timeout: 60_000 }, { timeoutMs: 60_000 });
    await waitUntil(() => world.channels().length >= 4, 'ringing channels');
    const disconnected = next<[string]>(c, 'disconnected');
    const again = next(c, 'ready');
    server.dropConnections();
    await expect(pending).rejects.toBeInstanceOf(AmiDisconnectedError);
    await expect(pending2).rejects.toBeInstanceOf(AmiDisconnectedError);
    const [reason] = await disconnected;
    expect(reason).toBeTypeOf('string');
    // While down, actions fail at once instead of being queued for later.
    if (c.state !== 'logged-in') await expect(c.action({ Action: 'Ping' })).rejects.toBeInstanceOf(AmiNotConnectedError);
    await again;
    expect(readies).toBe(2);
    expect(c.stats.reconnects).toBeGreaterThanOrEqual(1);
    const pong = await c.action({ Action: 'Ping' });
    expect(pong.get('Ping')).toBe('Pong');
  });

  it('fails fast before start and after stop, and stop logs off without reconnecting', async () => {
    const c = client();
    await expect(c.action({ Action: 'Ping' })).rejects.toBeInstanceOf(AmiNotConnectedError);
    const ready = next(c, 'ready');
    c.start();
    await ready;
    expect(server.sessionCount()).toBe(1);
    await c.stop();
    expect(c.state).toBe('stopped');
    await waitUntil(() => server.sessionCount() === 0, 'session closed');
    await expect(c.action({ Action: 'Ping' })).rejects.toBeInstanceOf(AmiNotConnectedError);
    await new Promise((r) => setTimeout(r, 150));
    expect(server.sessionCount()).toBe(0);
  });

  it('async Originate resolves at once and the OriginateResponse event carries its ActionID', async () => {
    const c = client();
    const events: AmiEvent[] = [];
    c.on('event', (e) => events.push(e));
    const ready = next(c, 'ready');
    c.start();
    await ready;
    const r = await c.action({
      Action: 'Originate',
      Channel: 'Local/1001@agents',
      Context: 'caller-script',
      Exten: 's',
      Priority: 1,
      CallerID: '"Alice Caller" <+15551230001>',
      Variable: ['DTMFDELAY=3', 'HOLDTIME=30'],
      Async: 'true',
    });
    expect(r.message).toBe('Originate successfully queued');
    await waitUntil(() => events.some((e) => e.event === 'OriginateResponse'), 'OriginateResponse');
    const o = events.find((e) => e.event === 'OriginateResponse');
    expect(o?.actionId).toBe(r.actionId);
    expect(o?.get('Response')).toBe('Success');
    expect(o?.get('Reason')).toBe('4');
    expect(o?.get('Channel')).toMatch(/^Local\/1001@agents-[0-9a-f]{8};1$/);
    const failed = await c.action({ Action: 'Originate', Channel: 'NoSuchTech/100', Application: 'Wait', Data: '1' }).catch((e: unknown) => e);
    expect((failed as AmiActionError).amiMessage).toBe('Originate failed');
  });

  it('Redirect to a context that does not exist still succeeds, then the channel hangs up', async () => {
    const c = client();
    const events: AmiEvent[] = [];
    c.on('event', (e) => events.push(e));
    const ready = next(c, 'ready');
    c.start();
    await ready;
    await c.action({ Action: 'Originate', Channel: 'Local/1001@agents', Context: 'caller-script', Exten: 'wait', Priority: 1, Async: 'true' });
    await waitUntil(() => world.channels().some((ch) => ch.name.endsWith(';1') && ch.state === 'Up'), 'an answered channel');
    const target = world.channels().find((ch) => ch.name.endsWith(';1'))?.name ?? '';
    const r = await c.action({ Action: 'Redirect', Channel: target, Context: 'no-such-context', Exten: 's', Priority: 1 });
    expect(r.message).toBe('Redirect successful');
    await waitUntil(() => events.some((e) => e.event === 'Hangup' && e.get('Channel') === target), 'the hangup of the redirected channel');
    expect(world.channels().some((ch) => ch.name === target)).toBe(false);
  });
});
