// Request validation with compiled TypeBox checks. Query strings, path params and headers
// arrive as text, so they are converted ("20" -> 20) when the raw value does not already
// pass; bodies are never converted, so {"name": 5} is a 400 rather than silently "5".
// (Fastify's default Ajv coerces every part alike.) additionalProperties:false in our
// schemas makes unknown fields a 400.
import { registerAjvFormats } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

registerAjvFormats(); // uuid, date-time, uri... for TypeBox's format checks (process-wide)

export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  const convert = httpPart !== 'body';
  return (value: unknown) => {
    if (check.Check(value)) return { value };
    if (convert) {
      const converted = Value.Convert(schema, value);
      if (check.Check(converted)) return { value: converted };
      return { error: check.Errors(converted) as never };
    }
    return { error: check.Errors(value) as never };
  };
};
