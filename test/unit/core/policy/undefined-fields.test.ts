/**
 * A policy document given as an object (not JSON text) may carry `undefined` values, as TypeScript
 * allows for optional fields (`maxAttempts: { retry: config.retries }`). JSON has no undefined: a
 * field whose value is undefined is a field not given, and the policy compiles as without it (the
 * defaults apply), never with an undefined cap or wait.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { compilePolicy } from '../../../../lib/index.js';

/** policies/zenhire.json as a fresh object. */
function zenhire(): Record<string, unknown> & { defaults: Record<string, Record<string, unknown>> } {
  return JSON.parse(
    readFileSync(new URL('../../../../policies/zenhire.json', import.meta.url), 'utf8'),
  ) as never;
}

describe('a policy document with undefined values compiles as without those fields', () => {
  it('defaults.maxAttempts and defaults.backoff', () => {
    const without = zenhire();
    delete without.defaults['maxAttempts']?.['retry'];
    delete without.defaults['backoff']?.['maxMs'];
    const withUndefined = zenhire();
    (withUndefined.defaults['maxAttempts'] ?? {})['retry'] = undefined;
    (withUndefined.defaults['backoff'] ?? {})['maxMs'] = undefined;
    const expected = compilePolicy(without);
    const compiled = compilePolicy(withUndefined);
    expect(compiled.maxAttempts.retry).toBe(expected.maxAttempts.retry);
    expect(compiled.maxAttempts.retry).toEqual(expect.any(Number));
    expect(compiled.backoff).toEqual(expected.backoff);
    expect(compiled.rules).toEqual(expected.rules);
  });

  it('resendAfterPossibleDelivery', () => {
    const without = zenhire();
    delete (without['resendAfterPossibleDelivery'] as Record<string, unknown>)['poll'];
    const withUndefined = zenhire();
    (withUndefined['resendAfterPossibleDelivery'] as Record<string, unknown>)['poll'] = undefined;
    expect(compilePolicy(withUndefined).resend).toEqual(compilePolicy(without).resend);
  });
});
