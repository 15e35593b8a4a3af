// The order workflow table and the order/action checks, without a database.
import { describe, expect, it } from 'vitest';
import { ACTION_NAMES, allowedActions, nextState, ORDER_STATES, type OrderAction, type OrderState } from '../../src/orders/state.js';
import { validOrder } from '../helpers/orders.js';
import { checkActionBody, checkNewOrder, priceItems } from '../../src/orders/validate.js';

const HAPPY: Array<[OrderAction, OrderState]> = [
  ['submit', 'submitted'],
  ['approve', 'approved'],
  ['pick', 'picking'],
  ['ship', 'shipped'],
  ['deliver', 'delivered'],
  ['confirm-payment', 'payment_confirmed'],
  ['complete', 'completed'],
];

const LEGAL = new Set([
  'draft>submit', 'submitted>approve', 'submitted>reject', 'approved>pick', 'picking>ship', 'shipped>deliver',
  'shipped>refuse', 'refused>return', 'delivered>confirm-payment', 'payment_confirmed>complete',
]);


describe('order workflow', () => {
  it('walks the happy path from draft to completed', () => {
    let state: OrderState = 'draft';
    for (const [action, to] of HAPPY) {
      state = nextState(state, action)!;
      expect(state).toBe(to);
    }
    expect(allowedActions('completed')).toEqual([]);
  });

  it('refused goods are returned; rejected orders stop', () => {
    expect(nextState('shipped', 'refuse')).toBe('refused');
    expect(nextState('refused', 'return')).toBe('returned');
    expect(nextState('submitted', 'reject')).toBe('rejected');
    expect(allowedActions('rejected')).toEqual([]);
    expect(allowedActions('returned')).toEqual([]);
  });

  it('allows exactly the ten transitions of the workflow and refuses every other pair', () => {
    for (const s of ORDER_STATES) {
      for (const a of ACTION_NAMES) {
        const legal = LEGAL.has(`${s}>${a}`);
        expect(nextState(s, a) !== undefined, `${s} --${a}-->`).toBe(legal);
      }
    }
  });
});

describe('new order checks', () => {
  it('prices lines and total in minor units', () => {
    expect(priceItems([{ sku: 'a', quantity: 3, unitPriceMinor: 333 }])).toEqual({
      items: [{ sku: 'a', quantity: 3, unitPriceMinor: 333, lineTotalMinor: 999 }],
      totalMinor: 999,
    });
    const r = checkNewOrder(validOrder());
    expect(r.ok && r.totalMinor).toBe(8948);
  });

  it('lists every problem: unknown field, negative quantity, wrong total, missing customer data', () => {
    const body = validOrder() as Record<string, any>;
    body.colour = 'red';
    body.items[0].quantity = -2;
    delete body.customer.phone;
    delete body.customer.address;
    const r = checkNewOrder(body);
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    const text = problems.map((p) => `${p.pointer} ${p.message}`).join('\n');
    expect(text).toContain("unknown field 'colour'");
    expect(text).toMatch(/\/items\/0\/quantity/);
    expect(text).toContain("missing required field 'customer.phone'");
    expect(text).toContain("missing required field 'customer.address'");
  });

  it('refuses a total that does not add up, naming both sums', () => {
    const r = checkNewOrder({ ...validOrder(), totalMinor: 9000 });
    expect(r.ok ? [] : r.problems).toEqual([{ pointer: '/totalMinor', message: 'totalMinor is 9000 but the items add up to 8948' }]);
  });

  it('refuses fractional money and an empty basket', () => {
    const body = validOrder();
    body.items[1]!.unitPriceMinor = 49.5;
    const r = checkNewOrder(body);
    expect(r.ok ? [] : r.problems.map((p) => p.pointer)).toContain('/items/1/unitPriceMinor');
    const empty = checkNewOrder({ ...validOrder(), items: [] });
    expect(empty.ok ? [] : empty.problems.map((p) => p.pointer)).toContain('/items');
  });
});

describe('action checks', () => {
  const order = { totalMinor: 8948, delivery: null };
  it('ship needs carrier and tracking number', () => {
    expect(checkActionBody('ship', {}, order).map((p) => p.message)).toEqual([
      "body is missing required field 'carrier'",
      "body is missing required field 'trackingNumber'",
    ]);
    expect(checkActionBody('ship', { carrier: 'CTT', trackingNumber: 'RR1' }, order)).toEqual([]);
  });
  it('cash collected must be the total; finance must receive what was collected', () => {
    expect(checkActionBody('deliver', { signed: true, cashCollectedMinor: 8000 }, order)[0]?.pointer).toBe('/cashCollectedMinor');
    expect(checkActionBody('deliver', { signed: true, cashCollectedMinor: 8948 }, order)).toEqual([]);
    const delivered = { totalMinor: 8948, delivery: { cashCollectedMinor: 8948 } };
    expect(checkActionBody('confirm-payment', { receivedMinor: 8900 }, delivered)[0]?.pointer).toBe('/receivedMinor');
    expect(checkActionBody('confirm-payment', { receivedMinor: 8948 }, delivered)).toEqual([]);
  });
});
