import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { builtinPolicyDir } from './package-root.js';
import { PolicyError } from './policy-error.js';

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(readFileSync(join(builtinPolicyDir(), 'policy.schema.json'), 'utf8')) as object;
  validator = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  return validator;
}

/** Turns ajv's `/rules/3/action` into `rules[3].action`. */
function fieldName(pointer: string, extra?: string): string {
  const parts = pointer.split('/').slice(1);
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const raw of parts) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

function describe(error: ErrorObject): [field: string, problem: string] {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return [fieldName(error.instancePath, String(p['missingProperty'])), 'is required but missing'];
    case 'additionalProperty':
    case 'additionalProperties':
      return [fieldName(error.instancePath, String(p['additionalProperty'])), 'is not a known field'];
    case 'enum':
      return [
        fieldName(error.instancePath),
        `must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      ];
    default:
      return [fieldName(error.instancePath), error.message ?? 'is invalid'];
  }
}

/** Ranks ajv errors so the most useful one is reported (a `oneOf` summary is the least useful). */
function usefulness(error: ErrorObject): number {
  if (error.keyword === 'oneOf' || error.keyword === 'if') return 0;
  return 1 + error.instancePath.length;
}

/** Checks a parsed policy against the JSON schema; throws a {@link PolicyError} naming the first problem. */
export function assertMatchesSchema(document: unknown, file: string): void {
  const validate = schemaValidator();
  if (validate(document)) return;
  const errors = [...(validate.errors ?? [])].sort((a, b) => usefulness(b) - usefulness(a));
  const first = errors[0];
  if (!first) throw new PolicyError(file, '', 'does not match the policy schema');
  const [field, problem] = describe(first);
  throw new PolicyError(file, field, problem);
}
