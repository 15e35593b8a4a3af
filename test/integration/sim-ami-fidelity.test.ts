// The simulated AMI against three captured call flows from a real Asterisk 22.10.1: an
// originate whose Stasis() fails over to Dial() (ami/04), a Hangup with a Cause (ami/08)
// and a Redirect into a context that does not exist (ami/06). The simulator is driven over
// a real TCP socket and the order of the events that matter is compared with the capture.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmiParser, formatMessage } from '../../src/ami/codec.js';
import type { AmiMessage } from '../../src/ami/message.js';
import { startAmiServer, type AmiServerHandle } from '../../src/sim/ami-server.js';
import { World } from '../../src/sim/world.js';

const capture = (name: string): AmiMessage[] =>
  new AmiParser({ expectGreeting: true }).push(readFileSync(new URL(`../fixtures/asterisk/ami/${name}.recv.raw`, import.meta.url)));

/** One logged-in AMI connection that keeps every message in arrival order. */
class Manager {
  readonly messages: AmiMessage[] = [];
  private readonly parser = new AmiParser({ expectGreeting: true });
  private readonly socket: net.Socket;
  private waiters: Array<() => void> = [];
  private seq = 0;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => {
      this.messages.push(...this.parser.push(chunk));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  send(fields: Array<[string, string]>): string {
    const id = `t-${++this.seq}`;
    this.socket.write(formatMessage([fields[0] as [string, string], ['ActionID', id], ...fields.slice(1)]));
    return id;
  }

  /** Resolves once a message satisfies `cond`; fails the test after 10 s. */
  until(cond: (m: AmiMessage) => boolean, what: string): Promise<AmiMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 10_000);
      const check = (): void => {
        const hit = this.messages.find(cond);
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** Sends an action and waits for its response. */
  async act(fields: Array<[string, string]>): Promise<AmiMessage> {
    const id = this.send(fields);
    return this.until((m) => m.response !== undefined && m.actionId === id, `the response to ${fields[0]?.[1]}`);
  }

  /** Everything the server sent before this point: a Ping's response comes after it. */
  async settle(): Promise<void> {
    await this.act([['Action', 'Ping']]);
  }

  close(): void {
    this.socket.destroy();
  }
}

let world: World;
let server: AmiServerHandle;
let manager: Manager;

beforeEach(async () => {
  world = new World({ speed: 20 });
  server = await startAmiServer(world, { username: 'cti', secret: 'cti-secret' });
  manager = new Manager(server.port);
  const login = await manager.act([
    ['Action', 'Login'],
    ['Username', 'cti'],
    ['Secret', 'cti-secret'],
  ]);
  expect(login.get('Message')).toBe('Authentication accepted');
});

afterEach(async () => {
  manager.close();
  await server.close();
  world.close();
});

/** Names a channel by its part in the call, so a capture and a simulator run compare. */
type Roles = (name: string | undefined) => string;

function pairRoles(one: string): Roles {
  const two = one.replace(/;1$/, ';2');
  return (name) => (name === one ? 'one' : name === two ? 'two' : name ? 'other' : '-');
}

/** Event name, channel roles and (for hang-up events) the cause, for the listed events. */
function outline(messages: AmiMessage[], roles: Roles, events: string[]): string[] {
  return messages
    .filter((m) => m.event !== undefined && events.includes(m.event))
    .map((m) => {
      const parts = [m.event ?? '', roles(m.get('Channel'))];
      if (m.has('DestChannel')) parts.push(`->${roles(m.get('DestChannel'))}`);
      if (m.has('Cause')) parts.push(`cause ${m.get('Cause')}`);
      return parts.join(' ');
    });
}

function after(messages: AmiMessage[], first: (m: AmiMessage) => boolean): AmiMessage[] {
  const i = messages.findIndex(first);
  return i < 0 ? [] : messages.slice(i);
}

async function originateCallerIntoAgent(): Promise<{ one: string; two: string }> {
  await manager.act([
    ['Action', 'Originate'],
    ['Channel', 'Local/1001@agents'],
    ['Context', 'caller-script'],
    ['Exten', 'wait'],
    ['Priority', '1'],
    ['Variable', 'HOLDTIME=30'],
    ['Async', 'true'],
  ]);
  const ok = await manager.until((m) => m.event === 'OriginateResponse', 'OriginateResponse');
  const one = ok.get('Channel') ?? '';
  return { one, two: one.replace(/;1$/, ';2') };
}

describe('simulated AMI call flows follow the captures', () => {
  it('an originate into from-pstn whose Stasis() falls back to Dial() succeeds with Reason 4 once the agent answers (ami/04)', async () => {
    // The fallback agent picks up at once, long before the 30 s originate timeout.
    world.setEndpointBehaviour('PJSIP/1001', { behaviour: 'answer', answerAfterMs: 0 });
    const queued = await manager.act([
      ['Action', 'Originate'],
      ['Channel', 'Local/100@from-pstn'],
      ['Context', 'caller-script'],
      ['Exten', 's'],
      ['Priority', '1'],
      ['CallerID', '"Alice Caller" <+15551230001>'],
      ['Variable', 'DTMFDELAY=3'],
      ['Variable', 'HOLDTIME=30'],
      ['Account', 'lab-acct'],
      ['Async', 'true'],
    ]);
    expect(queued.get('Message')).toBe('Originate successfully queued');
    const result = await manager.until((m) => m.event === 'OriginateResponse', 'OriginateResponse');
    const one = result.get('Channel') ?? '';
    expect(one).toMatch(/^Local\/100@from-pstn-[0-9a-f]{8};1$/);
    expect(result.actionId).toBe(queued.actionId);
    expect(result.get('Response')).toBe('Success');
    expect(result.get('Reason')).toBe('4');
    expect(result.get('Uniqueid')).toBe(world.channelByName(one)?.id);
    expect(result.get('Context')).toBe('caller-script');
    expect(result.get('Exten')).toBe('s');

    // ;1 then runs the caller script it was originated into.
    await manager.until((m) => m.event === 'Newexten' && m.get('Channel') === one && m.get('Context') === 'caller-script', 'the caller script on ;1');
    await manager.settle();

    // From the fallback Dial()'s answer to ;1's DialEnd, as Asterisk orders it.
    const events = ['Newstate', 'OriginateResponse', 'DialEnd'];
    const fromAnswer = (m: AmiMessage) => m.event === 'DialEnd' && m.get('DialStatus') === 'ANSWER' && m.get('DestChannel') !== undefined && !m.get('DestChannel')?.startsWith('Local/100@');
    const upTo = (list: string[]) => list.slice(0, list.findIndex((l) => l === 'DialEnd - ->one') + 1);
    const captured = capture('04-originate-call-full');
    const capturedOne = captured.find((m) => m.event === 'OriginateResponse')?.get('Channel') ?? '';
    const want = upTo(outline(after(captured, fromAnswer), pairRoles(capturedOne), events)).filter((l) => !l.includes(' other'));
    const got = upTo(outline(after(manager.messages, fromAnswer), pairRoles(one), events)).filter((l) => !l.includes(' other'));
    expect(want).toEqual(['DialEnd two ->other', 'Newstate one', 'OriginateResponse one', 'Newstate two', 'DialEnd - ->one']);
    expect(got).toEqual(want);
  });

  it('a Hangup with Cause: 16 shows that cause in the hang-up requests, not the ARI soft-hangup flag (ami/08)', async () => {
    const { one, two } = await originateCallerIntoAgent();
    const r = await manager.act([
      ['Action', 'Hangup'],
      ['Channel', one],
      ['Cause', '16'],
    ]);
    expect(r.get('Message')).toBe('Channel Hungup');
    await manager.until((m) => m.event === 'Hangup' && m.get('Channel') === two, 'the hangup of ;2');
    await manager.settle();

    const requests = ['SoftHangupRequest', 'HangupRequest'];
    const captured = capture('08-queue-ringnoanswer-abandon');
    const hungUp = captured.find((m) => m.response !== undefined && m.get('Message') === 'Channel Hungup');
    const capturedAfter = after(captured, (m) => m === hungUp);
    const capturedOne = capturedAfter.find((m) => m.event === 'SoftHangupRequest')?.get('Channel') ?? '';
    const want = outline(capturedAfter, pairRoles(capturedOne), requests).slice(0, 2);
    const got = outline(after(manager.messages, (m) => m === r), pairRoles(one), requests).slice(0, 2);
    expect(want).toEqual(['SoftHangupRequest one cause 16', 'HangupRequest two cause 16']);
    expect(got).toEqual(want);
    const hangup = manager.messages.find((m) => m.event === 'Hangup' && m.get('Channel') === one);
    expect(hangup?.get('Cause')).toBe('16');
    expect(hangup?.get('Cause-txt')).toBe('Normal Clearing');
  });

  it('a Hangup passes its own Cause through to the request and the Hangup event', async () => {
    const { one } = await originateCallerIntoAgent();
    const r = await manager.act([
      ['Action', 'Hangup'],
      ['Channel', one],
      ['Cause', '21'],
    ]);
    await manager.until((m) => m.event === 'Hangup' && m.get('Channel') === one, 'the hangup of ;1');
    const seen = after(manager.messages, (m) => m === r);
    expect(seen.find((m) => m.event === 'SoftHangupRequest' && m.get('Channel') === one)?.get('Cause')).toBe('21');
    const hangup = seen.find((m) => m.event === 'Hangup' && m.get('Channel') === one);
    expect(hangup?.get('Cause')).toBe('21');
    expect(hangup?.get('Cause-txt')).toBe('Call Rejected');
  });

  it('a Redirect into a missing context hangs the pair up in the captured order, with no Newexten for the dead ;1 (ami/06)', async () => {
    const { one, two } = await originateCallerIntoAgent();
    await manager.until((m) => m.event === 'Newexten' && m.get('Channel') === two && m.get('Application') === 'Wait', 'the agent waiting');
    const r = await manager.act([
      ['Action', 'Redirect'],
      ['Channel', one],
      ['Context', 'no-such-context'],
      ['Exten', 's'],
      ['Priority', '1'],
    ]);
    expect(r.get('Message')).toBe('Redirect successful');
    await manager.until((m) => m.event === 'Hangup' && m.get('Channel') === two, 'the hangup of ;2');
    await manager.until((m) => m.event === 'Hangup' && m.get('Channel') === one, 'the hangup of ;1');
    await manager.settle();

    // The simulator posts no CDR for the ;2 half of a Local pair, so only ;1's is compared.
    const events = ['Cdr', 'SoftHangupRequest', 'HangupRequest', 'Hangup', 'Newexten'];
    const captured = capture('06-redirect');
    const redirected = captured.find((m) => m.response !== undefined && m.get('Message') === 'Redirect successful' && m.actionId === 'cti-007');
    const capturedAfter = after(captured, (m) => m === redirected);
    const capturedOne = capturedAfter.find((m) => m.event === 'SoftHangupRequest')?.get('Channel') ?? '';
    const notTwoCdr = (l: string) => l !== 'Cdr two';
    const want = outline(capturedAfter, pairRoles(capturedOne), events).filter(notTwoCdr);
    const got = outline(after(manager.messages, (m) => m === r), pairRoles(one), events).filter(notTwoCdr);
    expect(want).toEqual([
      'Cdr one',
      'SoftHangupRequest one cause 16',
      'HangupRequest two cause 0',
      'Hangup one cause 0',
      'SoftHangupRequest two cause 16',
      'Hangup two cause 0',
    ]);
    expect(got).toEqual(want);
    const hangup = manager.messages.find((m) => m.event === 'Hangup' && m.get('Channel') === one);
    expect([hangup?.get('Context'), hangup?.get('Exten')]).toEqual(['no-such-context', 's']);
  });
});
