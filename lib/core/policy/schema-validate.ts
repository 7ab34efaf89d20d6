import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { builtinPolicyDir } from './package-root.js';
import { PolicyError, type PolicyProblem } from './policy-error.js';

let validator: ValidateFunction | undefined;

/**
 * The schema's validator, built on first use. ajv is loaded here, synchronously (it is CommonJS),
 * and not by a static import: only a policy of the user's own (a file or a document) is checked
 * against the schema, so an application on the built-in policies never loads it.
 */
function schemaValidator(): ValidateFunction {
  if (validator) return validator;
  const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass };
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
  if (isSummary(error)) return 0;
  return 1 + error.instancePath.length;
}

/** Keywords whose error only says that the alternatives under it all failed. */
function isSummary(error: ErrorObject): boolean {
  return error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if';
}

function isAtOrUnder(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}/`);
}

/**
 * The errors worth listing, in ajv's order. A failed `oneOf`/`anyOf` is preceded by one error per
 * failed alternative (ajv pushes them just before the summary, at or under its path), and listing
 * them all would read as several problems where there is one: of those, keep only the deepest (an
 * item's `must be <= 599` beats the whole value's `must be integer`), and one per place. A summary
 * is kept only when nothing explains it (two alternatives matched).
 */
function listable(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  errors.forEach((summary, at) => {
    if (summary.keyword !== 'oneOf' && summary.keyword !== 'anyOf') return;
    const group: ErrorObject[] = [];
    for (let i = at - 1; i >= 0; i--) {
      const error = errors[i];
      if (error === undefined || !isAtOrUnder(error.instancePath, summary.instancePath)) break;
      group.push(error);
    }
    group.reverse();
    if (group.length > 0) dropped.add(summary);
    // Paths with an error further down: found by walking up from each error (linear, not pairwise,
    // as an array of a hundred thousand bad items makes one group that large).
    const explainedBelow = new Set<string>();
    for (const error of group) {
      let path = error.instancePath;
      while (path.length > summary.instancePath.length) {
        path = path.slice(0, path.lastIndexOf('/'));
        explainedBelow.add(path);
      }
    }
    const places = new Set<string>();
    for (const error of group) {
      if (explainedBelow.has(error.instancePath) || places.has(error.instancePath)) dropped.add(error);
      places.add(error.instancePath);
    }
  });
  const detailed = errors.some((error) => !isSummary(error));
  return errors.filter((error) => !dropped.has(error) && !(error.keyword === 'if' && detailed));
}

/**
 * Checks a parsed policy against the JSON schema; throws a {@link PolicyError} whose message names
 * the most useful problem and whose `problems` list every one found.
 */
export function assertMatchesSchema(document: unknown, file: string): void {
  const validate = schemaValidator();
  if (validate(document)) return;
  const errors = validate.errors ?? [];
  const first = [...errors].sort((a, b) => usefulness(b) - usefulness(a))[0];
  if (!first) throw new PolicyError(file, '', 'does not match the policy schema');
  const [field, problem] = describe(first);
  const seen = new Set([JSON.stringify([field, problem])]);
  const more: PolicyProblem[] = [];
  for (const error of listable(errors)) {
    const [f, p] = describe(error);
    const key = JSON.stringify([f, p]);
    if (seen.has(key)) continue;
    seen.add(key);
    more.push({ field: f, problem: p });
  }
  throw new PolicyError(file, field, problem, more);
}
