// Which events a connector takes and the body it sends for one. Pure.
import type { DomainEvent } from '../catalogue.js';
import type { ConnectorConfig } from './config.js';

/** RFC 6901 pointer lookup; undefined when the path does not exist. */
export function pointer(value: unknown, path: string): unknown {
  if (path === '') return value;
  let cur: unknown = value;
  for (const raw of path.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function typeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

export function connectorWants(c: Pick<ConnectorConfig, 'events' | 'when'>, event: DomainEvent): boolean {
  if (!typeMatches(c.events, event.type)) return false;
  return Object.entries(c.when ?? {}).every(([path, expected]) => pointer(event, path) === expected);
}

const WHOLE = /^\{\{(\/[^}]*|)\}\}$/;

function fill(node: unknown, event: DomainEvent): unknown {
  if (typeof node === 'string') {
    const m = WHOLE.exec(node);
    if (m) return pointer(event, m[1]!) ?? null;
    return node.replace(/\{\{(\/[^}]*)\}\}/g, (_s, p: string) => {
      const v = pointer(event, p);
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
  }
  if (Array.isArray(node)) return node.map((n) => fill(n, event));
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v, event)]));
  return node;
}

/** The JSON body for the event: the template filled in, or the envelope itself. */
export function renderBody(c: Pick<ConnectorConfig, 'template'>, event: DomainEvent): string {
  return JSON.stringify(c.template ? fill(c.template, event) : event);
}
