import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliRun } from '../support/run-cli.js';

/**
 * Issue 13 item 5 through the BUILT command (`dist/lib/cli/main.js`; `npm test` builds before
 * jest): `check` refuses a policy whose pattern can backtrack catastrophically, in one line naming
 * the file, the field and why, and still accepts every built-in policy.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const check = (file: string): Promise<CliRun> => runCli(['check', file]);

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vr-check-pattern-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** policies/zenhire.json with one more text envelope (at `envelopes[2]`) holding `pattern`. */
function policyFile(name: string, pattern: string): string {
  const doc = JSON.parse(readFileSync(join(ROOT, 'policies/zenhire.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  delete doc['$schema'];
  (doc['envelopes'] as unknown[]).push({ id: 'plain', format: 'text', in: ['body'], pattern });
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

describe('check refuses patterns that can backtrack catastrophically', () => {
  it.each([
    ['nested.json', '(a+)+$', /nested or overlapping repetition `\(a\+\)\+` can backtrack exponentially/],
    ['unanchored.json', '\\s*(?<code>\\w+):', /unanchored repetition `\\s\*` can backtrack quadratically/],
    ['backreference.json', '^(?<code>\\w+) \\1', /backreference `\\1` can backtrack without bound/],
  ])('%s: %s', async (name, pattern, problem) => {
    const file = policyFile(name, pattern);
    const run = await check(file);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^vendor-resilience: ${escape(file)}: envelopes\\[2\\]\\.pattern: `));
    expect(lines[0]).toMatch(problem);
    expect(run.stderr).not.toContain('    at ');
  });

  it('a safe pattern in the same place passes', async () => {
    const run = await check(policyFile('safe.json', '^\\s*(?<code>\\w+):\\s*(?<message>[\\s\\S]*)$'));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ok: .*safe\.json is a valid policy for "zenhire"/);
  });

  it('every built-in policy still passes', async () => {
    const vendors = ['audixa', 'breeze', 'elsa', 'gradium', 'zenhire'];
    const runs = await Promise.all(vendors.map((v) => check(join(ROOT, 'policies', `${v}.json`))));
    runs.forEach((run) => {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    });
  });
});
