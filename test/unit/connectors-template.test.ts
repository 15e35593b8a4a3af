// Connector configuration, event selection and body templates, without a network.
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { parseConnectors, redactConnector } from '../../src/events/connectors/config.js';
import { connectorWants, pointer, renderBody } from '../../src/events/connectors/template.js';

const event = (type: DomainEvent['type'], data: Record<string, unknown>): DomainEvent => ({
  id: '7d1c5c1e-7f0a-4f4e-9a55-2f1f1d3f7a10', type, version: 1, occurredAt: '2026-11-29T10:00:00.000Z', data,
});

describe('connector configuration', () => {
  it('parses a list, refuses unknown fields and duplicate ids, hides secrets', () => {
    const [c] = parseConnectors(JSON.stringify([{ id: 'crm', url: 'https://crm.example/hook', events: ['cdr.created'], auth: { bearer: 't0k', signingSecret: 'whsec_x' } }]));
    expect(c).toMatchObject({ id: 'crm' });
    expect(redactConnector(c!).auth).toEqual({ bearer: '***', signingSecret: '***' });
    expect(() => parseConnectors('[{"id":"crm","url":"https://x","events":["a"],"colour":1}]')).toThrow(/CONNECTORS/);
    expect(() => parseConnectors('[{"id":"a","url":"https://x","events":["b"]},{"id":"a","url":"https://y","events":["c"]}]')).toThrow(/twice/);
    expect(() => parseConnectors('{')).toThrow(/JSON/);
    expect(parseConnectors(undefined)).toEqual([]);
  });
});

describe('connector selection and templates', () => {
  it('matches types, families and pointer conditions', () => {
    const approved = event('order.status_changed', { to: 'approved' });
    expect(connectorWants({ events: ['order.*'] }, approved)).toBe(true);
    expect(connectorWants({ events: ['cdr.created'] }, approved)).toBe(false);
    expect(connectorWants({ events: ['order.status_changed'], when: { '/data/to': 'approved' } }, approved)).toBe(true);
    expect(connectorWants({ events: ['order.status_changed'], when: { '/data/to': 'approved' } }, event('order.status_changed', { to: 'shipped' }))).toBe(false);
  });

  it('fills whole-value placeholders with any JSON and inline ones with text; no template sends the envelope', () => {
    const e = event('cdr.created', { cdrId: 'c1', agents: [{ agentId: 'A' }], caller: { number: '+351' } });
    expect(pointer(e, '/data/agents/0/agentId')).toBe('A');
    expect(JSON.parse(renderBody({ template: { id: '{{/data/cdrId}}', agents: '{{/data/agents}}', note: 'call from {{/data/caller/number}}', missing: '{{/data/nope}}' } }, e)))
      .toEqual({ id: 'c1', agents: [{ agentId: 'A' }], note: 'call from +351', missing: null });
    expect(JSON.parse(renderBody({}, e))).toEqual(e);
  });
});
