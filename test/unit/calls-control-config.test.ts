import { describe, expect, it } from 'vitest';
import { DEFAULT_DIAL_POLICY } from '../../src/calls/dial-policy.js';
import { loadConfig } from '../../src/config.js';

const base = { AMI_SECRET: 'ami-s3cret', ARI_PASSWORD: 'ari-s3cret' };

describe('call control configuration', () => {
  it('defaults: the default dial policy, limits, blind hand-over on initiator hang-up', () => {
    const c = loadConfig(base).callControl;
    expect(c).toMatchObject({ trunk: 'trunk', callerId: null, maxConcurrent: 10, perMinute: 30, mohClass: 'default', transferTimeoutSeconds: 20, initiatorHangup: 'blind', destinations: {} });
    expect(c.policy).toEqual({ allow: [...DEFAULT_DIAL_POLICY.allow], deny: [...DEFAULT_DIAL_POLICY.deny] });
  });

  it('reads patterns, destinations and the hang-up policy, naming what is wrong', () => {
    const c = loadConfig({
      ...base,
      CALLS_DIAL_ALLOW: '_06XXXXXXXX, 1001',
      CALLS_DIAL_DENY: '',
      CALLS_CALLER_ID: '+3212345678',
      TRANSFER_DESTINATIONS: '{"operator":"1001","billing":"0301234567"}',
      TRANSFER_INITIATOR_HANGUP: 'cancel',
    }).callControl;
    expect(c.policy.allow).toEqual(['_06XXXXXXXX', '1001']);
    expect(c.policy.deny).toEqual([...DEFAULT_DIAL_POLICY.deny]);
    expect(c).toMatchObject({ callerId: '+3212345678', initiatorHangup: 'cancel', destinations: { operator: '1001', billing: '0301234567' } });
    expect(() => loadConfig({ ...base, CALLS_DIAL_ALLOW: '_0Q.' })).toThrow(/CALLS_DIAL_ALLOW: dial pattern '_0Q\.'/);
    expect(() => loadConfig({ ...base, TRANSFER_DESTINATIONS: '{"op":"1001,Dial(x)"}' })).toThrow(/TRANSFER_DESTINATIONS\.op/);
    expect(() => loadConfig({ ...base, TRANSFER_DESTINATIONS: '[1]' })).toThrow(/JSON object/);
    expect(() => loadConfig({ ...base, CALLS_CALLER_ID: 'Alice' })).toThrow(/CALLS_CALLER_ID/);
    expect(() => loadConfig({ ...base, TRANSFER_INITIATOR_HANGUP: 'maybe' })).toThrow(/TRANSFER_INITIATOR_HANGUP/);
  });
});
