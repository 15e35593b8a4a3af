// The README's lists that integrators copy from must be the code's: every scope an API
// key can hold, the order states, and the settings with their defaults.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/api/scopes.js';
import { EVENT_TYPES } from '../../src/events/catalogue.js';
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

// The settings as the code declares them (`NAME: Type.…({ default: … })` in the config
// source), read as text so the README is checked against what actually ships.
function declaredSettings(): Map<string, string | undefined> {
  const root = new URL('../../src/', import.meta.url);
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /config/.test(f) && f.endsWith('.ts'));
  const settings = new Map<string, string | undefined>();
  for (const f of files) {
    const text = readFileSync(new URL(f, root), 'utf8');
    for (const m of text.matchAll(/^\s+([A-Z][A-Z0-9_]+): Type\.\w+\((?:\[[^\]]*\],\s*)?(\{[^{}]*\})?/gm)) {
      const def = /default: ('[^']*'|[^,}\s]+)/.exec(m[2] ?? '')?.[1];
      settings.set(m[1]!, def === undefined ? undefined : def.startsWith("'") ? def.slice(1, -1) : def.replace(/_/g, ''));
    }
  }
  return settings;
}

describe('README settings against the code', () => {
  const settings = declaredSettings();
  const table = readme.slice(readme.indexOf('| variable | default | meaning |')).split('\n').slice(2);
  const rows = table.slice(0, table.findIndex((l) => !l.startsWith('|')));

  it('reads the settings the code declares', () => {
    expect(settings.size).toBeGreaterThan(80);
    expect(settings.get('WEBHOOK_MAX_ATTEMPTS')).toBe('8');
  });

  it('documents every setting, in the README’s table or in docs/', () => {
    const docs = readdirSync(new URL('../../docs/', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => readFileSync(new URL(`../../docs/${f}`, import.meta.url), 'utf8')).join('\n');
    // NODE_ENV is Node's own convention, not a setting of this service.
    const undocumented = [...settings.keys()].filter((name) => name !== 'NODE_ENV' && !readme.includes(`\`${name}\``) && !docs.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
  });

  it('gives each setting the default the code has, where it names one', () => {
    let compared = 0;
    const wrong: string[] = [];
    for (const row of rows) {
      const cells = row.split('|');
      const names = ticked(cells[1]!).filter((n) => /^[A-Z][A-Z0-9_]+$/.test(n));
      const defaults = ticked(cells[2]!);
      // A cell whose defaults do not line up one per variable is prose ("national numbers…").
      if (defaults.length !== names.length) continue;
      names.forEach((name, i) => {
        const code = settings.get(name);
        if (code === undefined) return;
        compared++;
        if (code !== defaults[i]) wrong.push(`${name}: README ${defaults[i]}, code ${code}`);
      });
    }
    expect(compared).toBeGreaterThan(50);
    expect(wrong).toEqual([]);
  });
});

describe('docs/events.md against the catalogue', () => {
  it('has one row per event type, no type twice and none the code does not emit', () => {
    const events = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
    // A row names one type or several (`call.recording_started`, `call.recording_paused`, …).
    const rows = events
      .split('\n')
      .filter((l) => /^\| `[a-z_]+\.[a-z_]+`/.test(l))
      .flatMap((l) => ticked(l.split('|')[1]!).filter((t) => /^[a-z_]+\.[a-z_]+$/.test(t)));
    const twice = rows.filter((t, i) => rows.indexOf(t) !== i);
    expect(twice).toEqual([]);
    expect([...rows].sort()).toEqual([...EVENT_TYPES].sort());
  });
});
