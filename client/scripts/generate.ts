// Regenerates client/src/operations.gen.ts and client/src/events.gen.ts from a running
// service's OpenAPI document:
//   npm run client:generate -- http://127.0.0.1:8080
// (e.g. the demo's URL). The client's end-to-end test fails while either file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderEventTypes } from '../src/render-events.js';
import { renderClientTypes } from '../src/render.js';

const base = (process.argv[2] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const res = await fetch(`${base}/docs/json`);
if (!res.ok) throw new Error(`${base}/docs/json answered ${res.status}`);
const doc = await res.json();
for (const [file, render] of [
  ['operations.gen.ts', renderClientTypes],
  ['events.gen.ts', renderEventTypes],
] as const) {
  const target = fileURLToPath(new URL(`../src/${file}`, import.meta.url));
  writeFileSync(target, render(doc));
  console.log(`wrote ${target}`);
}
