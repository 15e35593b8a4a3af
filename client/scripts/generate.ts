// Regenerates client/src/operations.gen.ts from a running service's OpenAPI document:
//   npm run client:generate -- http://127.0.0.1:8080
// (e.g. the demo's URL). The client's end-to-end test fails while the file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderClientTypes } from '../src/render.js';

const base = (process.argv[2] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const res = await fetch(`${base}/docs/json`);
if (!res.ok) throw new Error(`${base}/docs/json answered ${res.status}`);
const target = fileURLToPath(new URL('../src/operations.gen.ts', import.meta.url));
writeFileSync(target, renderClientTypes(await res.json()));
console.log(`wrote ${target}`);
