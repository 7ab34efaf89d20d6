import { describe, expect, it } from '@jest/globals';
import { SecretList } from '../../../lib/run/secret-list.js';

describe('SecretList', () => {
  it('keeps the named credentials and every one found, once each, skipping values too short to redact', () => {
    const secrets = new SecretList(['named-key']);
    secrets.add(['tok-1111', 'abc', 'named-key', 'tok-1111', 'tok-2222']);
    expect(secrets.list()).toEqual(['named-key', 'tok-1111', 'tok-2222']);
  });

  it('keeps only the newest found credentials past its bound, never dropping a named one', () => {
    const secrets = new SecretList(['named-key'], 2);
    secrets.add(['tok-1111', 'tok-2222']);
    secrets.add(['tok-3333']);
    expect(secrets.list()).toEqual(['named-key', 'tok-2222', 'tok-3333']);
  });

  it('hands out the same list until a credential is added', () => {
    const secrets = new SecretList(['named-key']);
    const before = secrets.list();
    secrets.add(['named-key', 'abc']);
    expect(secrets.list()).toBe(before);
    secrets.add(['tok-1111']);
    expect(secrets.list()).not.toBe(before);
  });
});
