import { describe, expect, it } from 'vitest';
import { demoFlow } from '../../src/ivr/demo-flow.js';
import { Call, of } from './ivr-driver.js';

function welcomed(body: unknown): Call {
  const c = new Call(demoFlow('https://crm.test/api'));
  const first = c.start({ caller: '13800000000' });
  expect(of(first, 'http')[0]?.url).toBe('https://crm.test/api/customers?phone=13800000000');
  c.send({ type: 'http_result', requestId: c.state?.pendingRequest as string, outcome: 'ok', status: 200, body });
  expect(c.state?.node).toBe('welcome');
  c.finishPrompt();
  return c;
}

describe('the order hotline demo flow', () => {
  it('marks a VIP caller and queues the order call with priority', () => {
    const c = welcomed({ name: 'Chen', vip: true });
    expect(of(c.log, 'set_data')[0]?.values).toEqual({ vip: 'true', customer: 'Chen' });
    const cmds = c.press('1');
    expect(of(cmds, 'handover')[0]).toEqual({ type: 'handover', to: 'queue', node: 'sales-vip', params: { queue: 'sales', priority: 10, survey: 'rate-service' } });
  });

  it('queues an ordinary caller without priority', () => {
    const c = welcomed({ name: 'Liu', vip: false });
    expect(of(c.press('1'), 'handover')[0]?.params).toEqual({ queue: 'sales', survey: 'rate-service' });
  });

  it('order status: collects the number, looks it up, says it with digits: and number:', () => {
    const c = welcomed({ vip: false });
    c.press('2');
    c.finishPrompt();
    const lookup = c.press('12345678#');
    expect(of(lookup, 'http')[0]?.url).toBe('https://crm.test/api/orders/12345678');
    const said = c.send({ type: 'http_result', requestId: c.state?.pendingRequest as string, outcome: 'ok', status: 200, body: { status: 'shipped', etaDays: 3 } });
    expect(of(said, 'play')[0]?.media).toEqual(['recording:order-hotline/order', 'digits:12345678', 'recording:order-hotline/shipped-arrives-in', 'number:3', 'recording:order-hotline/days']);
  });

  it('order status with the CRM down: an apology, then the operator', () => {
    const c = welcomed({ vip: false });
    c.press('2');
    c.press('123456#');
    c.send({ type: 'http_result', requestId: c.state?.pendingRequest as string, outcome: 'timeout', detail: 'x' });
    expect(c.state?.node).toBe('lookup-failed');
    expect(of(c.finishPrompt(), 'handover')[0]).toMatchObject({ to: 'transfer', params: { to: 'operator' } });
  });

  it('fax-on-demand, message, operator', () => {
    const fax = welcomed({});
    fax.press('3');
    expect(of(fax.press('101'), 'handover')[0]).toEqual({ type: 'handover', to: 'fax', node: 'send-fax', params: { document: '101', destination: '13800000000' } });
    expect(of(welcomed({}).press('9'), 'handover')[0]).toMatchObject({ to: 'voicemail', params: { mailbox: 'orders' } });
    expect(of(welcomed({}).press('0'), 'handover')[0]).toMatchObject({ to: 'transfer' });
  });

  it('silence at the menu: two retries, then the operator', () => {
    const c = welcomed({});
    c.finishPrompt();
    c.fireTimer();
    c.finishPrompt();
    c.fireTimer();
    c.finishPrompt();
    const cmds = c.fireTimer();
    expect(of(cmds, 'handover')[0]).toMatchObject({ to: 'transfer', node: 'operator' });
  });
});
