// Renders the service's OpenAPI document (itself built from the TypeBox route schemas) as
// TypeScript: one entry per operation with its path parameters, query, body and success
// response. Pure, so the generator and the drift test share it.

type Schema = Record<string, any>;
interface OpenApi {
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function key(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function refName(ref: string): string {
  return ref.replace(/^#\/components\/schemas\//, '');
}

/** A JSON Schema as a TypeScript type expression. */
export function tsType(s: Schema | undefined, indent = ''): string {
  if (!s || typeof s !== 'object') return 'unknown';
  if (s.$ref) return `Schemas[${JSON.stringify(refName(s.$ref))}]`;
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v: unknown) => JSON.stringify(v)).join(' | ');
  for (const k of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(s[k])) return s[k].map((x: Schema) => wrap(tsType(x, indent))).join(' | ');
  }
  if (Array.isArray(s.allOf)) return s.allOf.map((x: Schema) => wrap(tsType(x, indent))).join(' & ');
  if (Array.isArray(s.type)) return s.type.map((t: string) => tsType({ ...s, type: t }, indent)).join(' | ');
  switch (s.type) {
    case 'string':
      return s.format === 'binary' ? 'Uint8Array' : 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return `Array<${tsType(s.items, indent)}>`;
    case 'object':
      return objectType(s, indent);
    default:
      return s.properties ? objectType(s, indent) : 'unknown';
  }
}

function wrap(t: string): string {
  return /[|&]/.test(t) && !t.startsWith('{') ? `(${t})` : t;
}

function objectType(s: Schema, indent: string): string {
  const props = Object.entries((s.properties ?? {}) as Record<string, Schema>);
  const extra = s.additionalProperties;
  if (props.length === 0) {
    if (extra === false) return 'Record<string, never>';
    return `Record<string, ${extra && typeof extra === 'object' ? tsType(extra, indent) : 'unknown'}>`;
  }
  const required = new Set<string>(s.required ?? []);
  const inner = `${indent}  `;
  const lines = props.map(([name, p]) => `${inner}${key(name)}${required.has(name) ? '' : '?'}: ${tsType(p, inner)};`);
  if (extra !== false) lines.push(`${inner}[key: string]: unknown;`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

interface Operation {
  id: string;
  method: string;
  path: string;
  summary: string;
  pathParams: Schema | undefined;
  query: Schema | undefined;
  body: { type: string; contentType: string } | undefined;
  response: string;
}

function paramsObject(params: any[], where: string): Schema | undefined {
  const list = params.filter((p) => p.in === where);
  if (!list.length) return undefined;
  return {
    type: 'object',
    additionalProperties: false,
    required: list.filter((p) => p.required).map((p) => p.name),
    properties: Object.fromEntries(list.map((p) => [p.name, p.schema ?? {}])),
  };
}

function operations(doc: OpenApi): Operation[] {
  const out: Operation[] = [];
  for (const path of Object.keys(doc.paths).sort()) {
    for (const method of METHODS) {
      const op = doc.paths[path]![method];
      if (!op) continue;
      const params: any[] = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      const contentType = Object.keys(content)[0];
      const body = contentType
        ? { contentType, type: contentType.includes('json') ? tsType(content[contentType].schema, '    ') : 'Uint8Array | string' }
        : undefined;
      const ok = Object.entries((op.responses ?? {}) as Record<string, any>).find(([code]) => /^2/.test(code));
      const okContent = ok?.[1]?.content ?? {};
      const json = Object.keys(okContent).find((c) => c.includes('json'));
      const response = json ? tsType(okContent[json].schema, '    ') : Object.keys(okContent).length ? 'Uint8Array' : 'void';
      out.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        summary: String(op.summary ?? ''),
        pathParams: paramsObject(params, 'path'),
        query: paramsObject(params, 'query'),
        body,
        response,
      });
    }
  }
  return out;
}

/** The generated module's source. */
export function renderClientTypes(doc: OpenApi): string {
  const schemas = doc.components?.schemas ?? {};
  const ops = operations(doc);
  const lines: string[] = [
    '// Generated from the service\'s OpenAPI document by `npm run client:generate`; do not edit.',
    '/* eslint-disable */',
    '',
    'export interface Schemas {',
    ...Object.keys(schemas)
      .sort()
      .map((name) => `  ${key(name)}: ${tsType(schemas[name], '  ')};`),
    '}',
    '',
    'export interface Operations {',
  ];
  for (const op of ops) {
    lines.push(`  /** ${op.summary.replace(/\*\//g, '*\\/')} */`);
    lines.push(`  ${JSON.stringify(op.id)}: {`);
    lines.push(`    params: ${op.pathParams ? tsType(op.pathParams, '    ') : 'undefined'};`);
    lines.push(`    query: ${op.query ? tsType(op.query, '    ') : 'undefined'};`);
    lines.push(`    body: ${op.body ? op.body.type : 'undefined'};`);
    lines.push(`    response: ${op.response};`);
    lines.push('  };');
  }
  lines.push('}', '');
  lines.push('/** Each operation\'s method, path template and request body type. */');
  lines.push('export const OPERATIONS = {');
  for (const op of ops) {
    lines.push(`  ${JSON.stringify(op.id)}: { method: ${JSON.stringify(op.method)}, path: ${JSON.stringify(op.path)}, contentType: ${JSON.stringify(op.body?.contentType ?? null)} },`);
  }
  lines.push('} as const;', '');
  return lines.join('\n');
}
