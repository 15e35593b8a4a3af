import { describe, expect, it } from 'vitest';
import { eventsUrl } from '../../src/ari/events.js';

describe('eventsUrl', () => {
  it('points at /events below the ARI base, for one app, without subscribeAll', () => {
    expect(eventsUrl('http://127.0.0.1:8088/ari', 'cti-bridge')).toBe('ws://127.0.0.1:8088/ari/events?app=cti-bridge&subscribeAll=false');
    expect(eventsUrl('https://pbx.example.com/asterisk/ari/', 'cti.bridge_2')).toBe(
      'wss://pbx.example.com/asterisk/ari/events?app=cti.bridge_2&subscribeAll=false',
    );
  });

  it('never carries credentials or an api_key', () => {
    const url = eventsUrl('http://cti:secret@127.0.0.1:8088/ari?api_key=cti:secret', 'a b');
    expect(url).toBe('ws://127.0.0.1:8088/ari/events?app=a%20b&subscribeAll=false');
    expect(url).not.toContain('secret');
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => eventsUrl('ftp://127.0.0.1/ari', 'x')).toThrow(/http\(s\)/);
  });
});
