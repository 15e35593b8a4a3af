import { describe, expect, it } from 'vitest';
import { bridgeCall, leftoverBridges } from '../../src/pbx/leftovers.js';

const call = '3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e';

describe('leftover bridges', () => {
  it('knows the bridges of ours by the call id they carry', () => {
    for (const id of [call, `${call}-hold`, `acd-hold-${call}`, `acd-mix-${call}`]) expect(bridgeCall(id)).toBe(call);
    expect(bridgeCall('site-conference')).toBeUndefined();
    expect(bridgeCall(`x-${call}`)).toBeUndefined();
  });

  it('picks only empty bridges of ended calls', () => {
    const bridges = [
      { id: `acd-mix-${call}`, channels: [] },
      { id: `acd-hold-${call}`, channels: ['c1'] },
      { id: 'site-conference', channels: [] },
      { id: `acd-mix-00000000-0000-4000-8000-000000000000`, channels: [] },
    ];
    expect(leftoverBridges(bridges, new Set([call]))).toEqual([`acd-mix-${call}`]);
  });
});
