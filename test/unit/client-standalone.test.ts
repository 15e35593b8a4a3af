// The client ships as its own package: nothing under client/ may import the service's source
// (or anything else outside the folder) and its own tsconfig must compile it.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const clientDir = join(root, 'client');
const ALLOWED_PACKAGES = new Set(['ws']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'dist') return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : /\.(ts|mts|js|mjs)$/.test(e.name) ? [path] : [];
  });
}

/** Every module specifier a source names: static and dynamic imports, re-exports, require. */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*(['"])([^'"\n]+)\1/gm,
    /^\s*import\s*(['"])([^'"\n]+)\1/gm,
    /\b(?:import|require)\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[2]!);
  return found;
}

/** Why a specifier in `file` leaves the package, or undefined when it stays inside. */
function leaves(file: string, spec: string): string | undefined {
  if (spec.startsWith('node:')) return undefined;
  if (spec.startsWith('.')) {
    const target = relative(clientDir, resolve(dirname(file), spec));
    return target.startsWith('..') ? `reaches outside client/ (${target})` : undefined;
  }
  const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
  return ALLOWED_PACKAGES.has(pkg) ? undefined : `needs package ${pkg}, not a dependency of the client`;
}

describe('the client package stands on its own', () => {
  it('finds the imports it checks, including one that leaves the folder', () => {
    const sample = "import {\n  a,\n} from '../../src/x.js';\nexport * from './y.js';\nconst z = await import('node:fs');\nimport 'fastify';\nconst t = { from: 'a', to: 'b' };";
    expect(specifiers(sample)).toEqual(['../../src/x.js', './y.js', 'fastify', 'node:fs']);
    const file = join(clientDir, 'src', 'index.ts');
    expect(leaves(file, '../../src/x.js')).toMatch(/outside client/);
    expect(leaves(file, 'fastify')).toMatch(/fastify/);
    expect(leaves(file, './y.js')).toBeUndefined();
  });

  it('imports nothing outside client/ but Node built-ins and its declared dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(clientDir, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual([...ALLOWED_PACKAGES].sort());
    const files = sources(clientDir);
    expect(files.length).toBeGreaterThan(5);
    const offenders = files.flatMap((file) =>
      specifiers(readFileSync(file, 'utf8')).flatMap((spec) => {
        const why = leaves(file, spec);
        return why ? [`${relative(root, file)}: '${spec}' ${why}`] : [];
      }),
    );
    expect(offenders).toEqual([]);
  });

  it('exports its build: types and code in dist/, as its tsconfig emits them', () => {
    const manifest = JSON.parse(readFileSync(join(clientDir, 'package.json'), 'utf8'));
    const tsconfig = JSON.parse(readFileSync(join(clientDir, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist', declaration: true });
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(manifest.files).toContain('dist');
  });

  it('compiles with its own tsconfig', async () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = await promisify(execFile)(process.execPath, [tsc, '-p', join(clientDir, 'tsconfig.json'), '--noEmit'], { cwd: root }).then(
      () => ({ ok: true, output: '' }),
      (err: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
    expect(run.output).toBe('');
    expect(run.ok).toBe(true);
  }, 120_000);
});
