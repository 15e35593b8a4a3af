import { describe, expect, it } from 'vitest';
import { ProblemError } from '../../src/api/problem.js';
import { CallControlRegistry } from '../../src/calls/control/registry.js';

describe('call control registry', () => {
  it('a command naming a PBX node that is not configured is a 422, not a 503 to retry', async () => {
    const registry = new CallControlRegistry({ pbxNodes: ['pbx1'] });
    const err = await registry.runOnAny('pbx-nowhere', 'dial', {} as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect(err).toMatchObject({ status: 422, message: "body 'pbxNode' is not a configured PBX node" });
    // A configured node nobody drives now stays a 503: it may come back.
    await expect(registry.runOnAny('pbx1', 'dial', {} as never)).rejects.toMatchObject({ status: 503 });
  });
});
