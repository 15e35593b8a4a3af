import { describe, expect, it } from 'vitest';
import { orderTiles } from '../../src/wallboard/tiles.js';

const tile = (id: string, state: string, since: number) => ({ id, name: id.toUpperCase(), state, reason: null, since });

describe('agent tile order', () => {
  it('puts the longest not ready first, then the longest wrap-up, calls, offers and ready last', () => {
    const ordered = orderTiles([
      tile('r1', 'ready', 100), tile('n1', 'not_ready', 500), tile('w1', 'wrap_up', 50), tile('c1', 'on_call', 10),
      tile('n2', 'not_ready', 200), tile('x1', 'reserved', 1), tile('w2', 'wrap_up', 400), tile('r2', 'ready', 50),
    ]);
    expect(ordered.map((t) => t.id)).toEqual(['n2', 'n1', 'w1', 'w2', 'c1', 'x1', 'r2', 'r1']);
  });

  it('breaks ties by name, and does not change its input', () => {
    const input = [tile('b', 'ready', 5), tile('a', 'ready', 5)];
    expect(orderTiles(input).map((t) => t.id)).toEqual(['a', 'b']);
    expect(input.map((t) => t.id)).toEqual(['b', 'a']);
  });
});
