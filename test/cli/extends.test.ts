import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from '../support/run-cli.js';

/**
 * Issue 15 item 5 through the BUILT command (`dist/lib/cli/main.js`; `npm test` builds before
 * jest): `check` validates the merged policy of a file that `extends` another, naming the file
 * that holds each faulty field; `explain` says which file the deciding rule came from, while
 * `--json` stays the Decision of docs/design.md.
 */

/** Runs the command in `cwd` (relative file names are the user's). */
const cli = (args: readonly string[], cwd: string): Promise<CliRun> => runCli(args, cwd);

const rule = (id: string, match: object, action: string): object => ({
  id,
  match,
  action,
  category: 'custom',
  summary: `rule ${id}`,
  source: 'our own notes',
});

let dir = '';
const write = (name: string, document: unknown): void =>
  writeFileSync(join(dir, name), JSON.stringify(document));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vr-cli-extends-'));
  write('paid.json', {
    extends: 'zenhire',
    limits: { requestsPerMinute: 3000, source: 'our Pro plan' },
    rules: [rule('teapot', { status: 418 }, 'retry')],
  });
  write('team.json', { extends: './paid.json', removeRules: ['auth'] });
  write('base-broken.json', {
    vendor: 'acme',
    title: 'Acme',
    docs: ['d'],
    envelopes: [],
    rules: [rule('one', { status: 500 }, 'explode'), rule('two', { status: '502' }, 'retry')],
  });
  write('on-broken.json', { extends: './base-broken.json', title: 5 });
  write('a.json', { extends: './b.json' });
  write('b.json', { extends: './a.json' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('check FILE with extends', () => {
  it('accepts a valid extension and says what it extends', async () => {
    const run = await cli(['check', 'team.json'], dir);
    expect(run).toEqual({
      status: 0,
      stdout: `ok: team.json is a valid policy for "zenhire" (13 rules, 2 envelopes; extends paid.json, which extends policies/zenhire.json)\n`,
      stderr: '',
    });
  });

  it('lists every problem of the file and of its base, each line naming the file that holds the field', async () => {
    const run = await cli(['check', 'on-broken.json'], dir);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter((l) => l !== '')).toEqual([
      'vendor-resilience: on-broken.json: title: must be string',
      'vendor-resilience: base-broken.json: rules[1].match.status: must be integer',
      'vendor-resilience: base-broken.json: rules[0].action: must be one of "ok", "retry", "backoff", "poll", "resubmit", "reconnect", "fail"',
    ]);
  });

  it('a cycle is one line naming the file where it closes and the field', async () => {
    const run = await cli(['check', 'a.json'], dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'vendor-resilience: b.json: extends: names "./a.json", which makes a cycle (a.json → b.json → a.json)\n',
    );
  });

  it('a missing base is one line naming the extending file and `extends`', async () => {
    write('orphan.json', { extends: './gone.json' });
    const run = await cli(['check', 'orphan.json'], dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'vendor-resilience: orphan.json: extends: names "./gone.json", which cannot be read (ENOENT)\n',
    );
  });
});

describe('explain with a policy that extends another', () => {
  it('names the file of the deciding rule: your own, or the base’s', async () => {
    const own = await cli(['explain', '--policy', 'team.json', '--status', '418'], dir);
    expect(own.status).toBe(0);
    expect(own.stdout.split('\n')[2]).toBe('  rule zenhire#teapot from paid.json; source: our own notes');
    const body = '{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"slow down"}}';
    const inherited = await cli(['explain', '--policy', 'team.json', '--status', '429', '--body', body], dir);
    expect(inherited.status).toBe(0);
    expect(inherited.stdout.split('\n')[2]).toMatch(
      /^ {2}rule zenhire#rate-limit from policies\/zenhire\.json; source: docs\/vendor-docs\//,
    );
  });

  it('a fallback names no file; a built-in vendor alone prints as before', async () => {
    const fallback = await cli(['explain', '--policy', 'team.json', '--status', '500'], dir);
    expect(fallback.stdout.split('\n')[2]).toMatch(
      /^ {2}rule zenhire#fallback-5xx; source: docs\/design\.md rule 1/,
    );
    const builtin = await cli(['explain', '--vendor', 'zenhire', '--status', '418'], dir);
    expect(builtin.stdout).not.toContain(' from ');
  });

  it('--json is the Decision, with its keys and nothing added', async () => {
    const run = await cli(['explain', '--policy', 'team.json', '--status', '418', '--json'], dir);
    expect(run.status).toBe(0);
    const decision = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(decision)).toEqual(['action', 'category', 'delayMs', 'delaySource', 'rule', 'reason']);
    expect(decision['rule']).toBe('zenhire#teapot');
  });
});
