import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { AmiClient } from '../../src/ami/index.js';
import { AmiMessage } from '../../src/ami/message.js';
import { FaxWatch } from '../../src/fax/ami-watch.js';

function event(pairs: Array<[string, string]>): AmiMessage {
  return new AmiMessage(pairs.flat());
}

describe('FaxWatch', () => {
  it('keeps fax events that arrive before anyone waits, and matches them by ActionID and Uniqueid', async () => {
    const ami = new EventEmitter();
    const watch = new FaxWatch(ami as unknown as AmiClient);
    // Capture 10: the fax events come before the OriginateResponse.
    ami.emit('event', event([['Event', 'VarSet'], ['Uniqueid', '1.28'], ['Variable', 'FAXSTATUS'], ['Value', 'FAILED']]));
    ami.emit('event', event([['Event', 'VarSet'], ['Uniqueid', '1.28'], ['Variable', 'FAXSTATUSSTRING'], ['Value', 'The call dropped prematurely']]));
    ami.emit('event', event([['Event', 'SendFAX'], ['Uniqueid', '1.28'], ['PagesTransferred', '0'], ['Resolution', '0x0']]));
    ami.emit('event', event([['Event', 'OriginateResponse'], ['ActionID', '7'], ['Response', 'Success'], ['Uniqueid', '1.28']]));
    expect(watch.takeResponse('8')).toBeUndefined();
    expect(watch.takeResponse('7')?.get('Uniqueid')).toBe('1.28');
    const result = await watch.waitFor(() => watch.takeResult('1.28'), 10);
    expect(result?.event.get('PagesTransferred')).toBe('0');
    expect(result?.vars).toEqual({ FAXSTATUS: 'FAILED', FAXSTATUSSTRING: 'The call dropped prematurely' });
    // Taken once.
    expect(watch.takeResult('1.28')).toBeUndefined();
    watch.stop();
  });

  it('wakes a waiter when its event arrives and gives up at the deadline', async () => {
    const ami = new EventEmitter();
    const watch = new FaxWatch(ami as unknown as AmiClient);
    const waiting = watch.waitFor(() => watch.takeResponse('9'), 5_000);
    ami.emit('event', event([['Event', 'OriginateResponse'], ['ActionID', '9'], ['Response', 'Failure'], ['Reason', '5']]));
    expect((await waiting)?.get('Reason')).toBe('5');
    expect(await watch.waitFor(() => watch.takeResponse('10'), 20)).toBeUndefined();
    ami.emit('event', event([['Event', 'Hangup'], ['Uniqueid', '2.1']]));
    expect(watch.hungUp('2.1')).toBe(true);
    watch.stop();
  });
});
