import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinPolicyNames } from '../../../../lib/core/policy/load.js';
import { builtinPolicyDir } from '../../../../lib/core/policy/package-root.js';
import { assertMatchesSchema } from '../../../../lib/core/policy/schema-validate.js';

/**
 * The built-in policies are compiled without the schema check at run time (so that using them
 * never loads ajv): this is where each shipped file is checked against policies/policy.schema.json.
 */
describe('the built-in policies match the policy schema', () => {
  it('ships the five vendors', () => {
    expect(builtinPolicyNames()).toEqual(['audixa', 'breeze', 'elsa', 'gradium', 'zenhire']);
  });

  it.each(builtinPolicyNames())('%s', (name) => {
    const file = join(builtinPolicyDir(), `${name}.json`);
    const document: unknown = JSON.parse(readFileSync(file, 'utf8'));
    expect(() => assertMatchesSchema(document, file)).not.toThrow();
  });

  it('the check refuses a built-in file with a field the schema does not know', () => {
    const file = join(builtinPolicyDir(), 'zenhire.json');
    const document = { ...(JSON.parse(readFileSync(file, 'utf8')) as object), retryForever: true };
    expect(() => assertMatchesSchema(document, file)).toThrow(/retryForever: is not a known field/);
  });
});
