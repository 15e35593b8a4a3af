// The order hotline of a TV/radio shopping call centre (field requirements §3), shipped
// as the demo flow. The runner starts it with vars { caller, called }. Custom prompts are
// `recording:order-hotline/...` (uploaded by the centre); generic ones are Asterisk core
// sounds. The CRM base URL is a placeholder the demo configuration points at its own CRM.
import type { Flow } from './contract.js';

const CRM = 'http://crm.example.invalid/api';

/** The demo flow against a CRM at `crmBaseUrl` (GET /customers?phone=, GET /orders/{n}). */
export function demoFlow(crmBaseUrl: string = CRM): Flow {
  return {
    id: 'order-hotline',
    version: 1,
    name: 'Order hotline',
    entry: 'lookup-caller',
    errorNode: 'sorry',
    calendars: {
      hotline: {
        timeZone: 'Asia/Shanghai',
        weekly: { '1': ['08:00-20:00'], '2': ['08:00-20:00'], '3': ['08:00-20:00'], '4': ['08:00-20:00'], '5': ['08:00-20:00'], '6': ['08:00-20:00'] },
        holidays: ['2026-10-01', '2027-02-06'],
      },
    },
    nodes: {
      'lookup-caller': {
        type: 'http',
        name: 'Who is calling (CRM)',
        method: 'GET',
        url: `${crmBaseUrl}/customers?phone={{caller}}`,
        secretHeaders: { Authorization: 'crm-token' },
        timeoutMs: 2000,
        map: { customerName: '/name', vip: '/vip' },
        next: 'vip-check',
        onError: 'hours', // an unknown caller or a CRM outage never blocks the hotline
      },
      'vip-check': { type: 'branch', cases: [{ when: [{ var: 'vip', op: 'equals', value: 'true' }], next: 'mark-vip' }], otherwise: 'hours' },
      'mark-vip': { type: 'set', name: 'Mark VIP for priority', values: { vip: 'true', customer: '{{customerName}}' }, next: 'hours' },
      hours: { type: 'branch', name: 'Business hours', cases: [{ when: [{ op: 'closed', calendar: 'hotline' }], next: 'after-hours' }], otherwise: 'welcome' },
      'after-hours': { type: 'voicemail', name: 'Closed: leave a message', mailbox: 'orders-after-hours' },
      welcome: { type: 'play', prompt: { media: ['recording:order-hotline/welcome'] }, next: 'main-menu' },
      'main-menu': {
        type: 'menu',
        name: 'Main menu',
        prompt: { media: ['recording:order-hotline/main-menu'] },
        options: { '1': 'order-route', '2': 'order-number', '3': 'fax-code', '9': 'message', '0': 'operator' },
        timeoutMs: 5000,
        retries: 2,
        invalidPrompt: { media: ['sound:option-is-invalid'] },
        timeoutPrompt: { media: ['sound:please-try-again'] },
        fallback: 'operator',
      },
      'order-route': { type: 'branch', cases: [{ when: [{ var: 'vip', op: 'equals', value: 'true' }], next: 'sales-vip' }], otherwise: 'sales' },
      'sales-vip': { type: 'queue', name: 'Sales (VIP)', queue: 'sales', priority: 10, survey: 'rate-service' },
      sales: { type: 'queue', name: 'Sales', queue: 'sales', survey: 'rate-service' },
      'order-number': {
        type: 'collect',
        name: 'Order number',
        prompt: { media: ['recording:order-hotline/enter-order-number'] },
        variable: 'orderNumber',
        minDigits: 6,
        maxDigits: 10,
        pattern: '[0-9]{6,10}',
        invalidPrompt: { media: ['sound:please-try-again'] },
        next: 'order-lookup',
        fallback: 'main-menu',
      },
      'order-lookup': {
        type: 'http',
        name: 'Order status (CRM)',
        method: 'GET',
        url: `${crmBaseUrl}/orders/{{orderNumber}}`,
        secretHeaders: { Authorization: 'crm-token' },
        timeoutMs: 4000,
        map: { orderStatus: '/status', etaDays: '/etaDays' },
        filler: { afterMs: 1500, prompt: { media: ['sound:one-moment-please'], bargeIn: false } },
        next: 'status-branch',
        onError: 'lookup-failed',
      },
      'status-branch': {
        type: 'branch',
        cases: [
          { when: [{ var: 'orderStatus', op: 'equals', value: 'shipped' }], next: 'say-shipped' },
          { when: [{ var: 'orderStatus', op: 'in', values: ['new', 'audited', 'picking'] }], next: 'say-processing' },
          { when: [{ var: 'orderStatus', op: 'equals', value: 'delivered' }], next: 'say-delivered' },
        ],
        otherwise: 'say-unknown',
      },
      'say-shipped': {
        type: 'play',
        prompt: { media: ['recording:order-hotline/order', 'digits:{{orderNumber}}', 'recording:order-hotline/shipped-arrives-in', 'number:{{etaDays}}', 'recording:order-hotline/days'] },
        next: 'main-menu',
      },
      'say-processing': { type: 'play', prompt: { media: ['recording:order-hotline/order', 'digits:{{orderNumber}}', 'recording:order-hotline/processing'] }, next: 'main-menu' },
      'say-delivered': { type: 'play', prompt: { media: ['recording:order-hotline/order', 'digits:{{orderNumber}}', 'recording:order-hotline/delivered'] }, next: 'main-menu' },
      'say-unknown': { type: 'play', prompt: { media: ['recording:order-hotline/order-not-found'] }, next: 'main-menu' },
      'lookup-failed': { type: 'play', prompt: { media: ['recording:order-hotline/cannot-check-now'] }, next: 'operator' },
      'fax-code': {
        type: 'collect',
        name: 'Document code',
        prompt: { media: ['recording:order-hotline/enter-document-code'] },
        variable: 'documentCode',
        minDigits: 3,
        maxDigits: 3,
        invalidPrompt: { media: ['sound:please-try-again'] },
        next: 'send-fax',
        fallback: 'main-menu',
      },
      'send-fax': {
        type: 'fax',
        name: 'Fax-on-demand',
        documentVar: 'documentCode',
        next: 'fax-sent',
        invalidPrompt: { media: ['recording:order-hotline/no-such-document'] },
        onInvalid: 'fax-code',
      },
      'fax-sent': { type: 'hangup', prompt: { media: ['recording:order-hotline/fax-on-its-way', 'sound:goodbye'] } },
      message: { type: 'voicemail', name: 'Leave a message', mailbox: 'orders' },
      operator: { type: 'transfer', name: 'Operator', to: 'operator' },
      'rate-service': {
        type: 'survey',
        name: 'Service evaluation',
        prompt: { media: ['recording:order-hotline/rate-1-to-5'] },
        scale: '1-5',
        timeoutMs: 8000,
        thanksPrompt: { media: ['sound:auth-thankyou', 'sound:goodbye'] },
      },
      sorry: { type: 'hangup', prompt: { media: ['sound:an-error-has-occurred', 'sound:goodbye'] } },
    },
  };
}

export const DEMO_FLOW: Flow = demoFlow();
