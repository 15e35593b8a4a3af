// Turns schema validation failures into one sentence naming the field and the fault.
// Understands both TypeBox's and Ajv's error shapes (same fields, different params).
// Pure: tested on its own.
export interface SchemaError {
  instancePath: string;
  schemaPath?: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

const PLACES: Record<string, string> = {
  body: 'body',
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
};

/** `/caller/number` -> `caller.number`; `/items/0` -> `items[0]`. */
export function fieldName(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

const join = (a: string, b: string) => (a ? `${a}.${b}` : b);

function unknownField(full: string, context: string): string {
  return context === 'body' ? `body has unknown field '${full}'` : `unknown ${PLACES[context] ?? context} '${full}'`;
}

function first(v: unknown): string {
  return String(Array.isArray(v) ? v[0] : (v ?? ''));
}

export function describeSchemaError(err: SchemaError, context: string, all: readonly SchemaError[] = [err]): string {
  const place = PLACES[context] ?? context;
  const field = fieldName(err.instancePath);
  const subject = field ? `${place} '${field}'` : place;
  switch (err.keyword) {
    case 'additionalProperties': // Ajv: additionalProperty; TypeBox: additionalProperties[]
      return unknownField(join(field, first(err.params?.additionalProperty ?? err.params?.additionalProperties)), context);
    case 'boolean': // TypeBox reports the extra property itself against `additionalProperties: false`
      if (err.schemaPath?.endsWith('/additionalProperties')) return unknownField(field, context);
      return `${subject} is not allowed`;
    case 'required': {
      const missing = join(field, first(err.params?.missingProperty ?? err.params?.requiredProperties));
      return context === 'body' ? `body is missing required field '${missing}'` : `${place} '${missing}' is required`;
    }
    case 'format':
      return `${subject} must be a valid ${String(err.params?.format ?? 'value')}`;
    case 'enum':
      return `${subject} must be one of ${((err.params?.allowedValues as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const': {
      // A union of literals fails once per literal: list them all.
      const allowed = all
        .filter((e) => e.keyword === 'const' && e.instancePath === err.instancePath)
        .map((e) => JSON.stringify(e.params?.allowedValue));
      return `${subject} must be ${allowed.length > 1 ? `one of ${allowed.join(', ')}` : `equal to ${allowed[0]}`}`;
    }
    default:
      return `${subject} ${err.message ?? 'is invalid'}`;
  }
}

export function describeValidation(errors: readonly SchemaError[], context: string): string {
  const e = errors[0];
  if (!e) return `${PLACES[context] ?? context} is invalid`;
  return describeSchemaError(e, context, errors);
}
