// The README's lists that integrators copy from must be the code's: every scope an API
// key can hold, and the order states.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/api/scopes.js';
import { ORDER_STATES } from '../../src/orders/state.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const ticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

describe('README against the code', () => {
  it('lists every scope, and no other, in its scope table', () => {
    const table = readme.slice(readme.indexOf('| scope | grants |'));
    const rows = table.split('\n').slice(2).filter((l) => l.startsWith('|'));
    const listed = rows.flatMap((r) => ticked(r.split('|')[1]!));
    expect([...listed].sort()).toEqual([...SCOPES].sort());
  });

  it('names the order states the workflow has, and no other', () => {
    const line = /\(`\/v1\/orders`, states: ([^)]*)\)/.exec(readme.replace(/\n\s*/g, ' '))?.[1];
    expect(line, 'the order states sentence').toBeDefined();
    expect([...new Set(ticked(line!))].sort()).toEqual([...ORDER_STATES].sort());
  });
});
