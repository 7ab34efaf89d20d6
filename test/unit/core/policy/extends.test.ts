import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presetJob } from '../../../../lib/adapters/got/index.js';
import { createVendorEngine } from '../../../../lib/core/default-engine.js';
import type { CompiledPolicy } from '../../../../lib/core/policy/compiled.js';
import { compilePolicy } from '../../../../lib/core/policy/user-policy.js';
import { builtinPolicy } from '../../../../lib/core/policy/load.js';
import { loadPolicyFile, resolvePolicy } from '../../../../lib/core/policy/user-policy.js';
import { builtinPolicyDir } from '../../../../lib/core/policy/package-root.js';
import { isPolicyError, type PolicyError } from '../../../../lib/core/policy/policy-error.js';

/**
 * Issue 15 item 5: `extends` adjusts a built-in (or another file) without copying it. The merge
 * rules are those of docs/policies.md, "Extending a policy"; each case here is one of them.
 */

const zenhire = builtinPolicy('zenhire');
const ZENHIRE_FILE = join(builtinPolicyDir(), 'zenhire.json');
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A complete rule of one's own (rules are replaced whole, so every required field is given). */
function rule(id: string, match: object, action = 'fail', extra: object = {}): object {
  return { id, match, action, category: 'custom', summary: `rule ${id}`, source: 'our own notes', ...extra };
}

const ids = (p: CompiledPolicy): string[] => p.rules.map((r) => r.id);

interface MergeCase {
  title: string;
  child: object;
  expectIt: (merged: CompiledPolicy) => void;
}

const mergeCases: MergeCase[] = [
  {
    title: 'nothing but extends: the base, as it is',
    child: { extends: 'zenhire' },
    expectIt: (p) => {
      expect(p.vendor).toBe('zenhire');
      expect(p.title).toBe(zenhire.title);
      expect(ids(p)).toEqual(ids(zenhire));
      expect(p.limits).toEqual(zenhire.limits);
      expect(p.polling).toEqual(zenhire.polling);
      expect(p.job).toEqual(zenhire.job);
      expect(p.envelopes.map((e) => e.id)).toEqual(zenhire.envelopes.map((e) => e.id));
    },
  },
  {
    title: 'limits: the keys given replace the base’s, the others stay',
    child: { extends: 'zenhire', limits: { requestsPerMinute: 3000, source: 'our Pro plan' } },
    expectIt: (p) => {
      expect(p.limits).toEqual({ requestsPerMinute: 3000, maxConcurrent: 8 });
      expect(p.document.limits?.source).toBe('our Pro plan');
    },
  },
  {
    title: 'defaults merge all the way down (maxAttempts per action)',
    child: { extends: 'zenhire', defaults: { maxAttempts: { backoff: 12 } } },
    expectIt: (p) => {
      expect(p.maxAttempts).toEqual({ ...zenhire.maxAttempts, backoff: 12 });
      expect(p.backoff).toEqual(zenhire.backoff);
    },
  },
  {
    title: 'a list in a section (polling.schedule) replaces the base’s whole; the other keys stay',
    child: {
      extends: 'zenhire',
      polling: { schedule: [{ afterMs: 0, intervalMs: 20_000 }], source: 'our contract' },
    },
    expectIt: (p) => {
      expect(p.polling).toEqual({ ...zenhire.polling, schedule: [{ afterMs: 0, intervalMs: 20_000 }] });
    },
  },
  {
    title: 'job: inherited whole; a key given (baseUrl) replaces only that key',
    child: { extends: 'zenhire', job: { baseUrl: 'https://eu.zenhire.example', source: 'our region' } },
    expectIt: (p) => {
      expect(p.job).toEqual({ ...zenhire.job, baseUrl: 'https://eu.zenhire.example' });
    },
  },
  {
    title: 'vendor and title: the base’s unless given; docs: appended, without repeats',
    child: {
      extends: 'zenhire',
      title: 'ZenHire (Pro plan)',
      docs: ['https://example.test/plan', zenhire.document.docs[0]],
    },
    expectIt: (p) => {
      expect(p.vendor).toBe('zenhire');
      expect(p.title).toBe('ZenHire (Pro plan)');
      expect(p.document.docs).toEqual([...zenhire.document.docs, 'https://example.test/plan']);
    },
  },
  {
    title: 'a rule with a base rule’s id replaces it whole, in place',
    child: {
      extends: 'zenhire',
      rules: [rule('credits', { code: 'INSUFFICIENT_CREDITS' }, 'backoff', { maxAttempts: 3 })],
    },
    expectIt: (p) => {
      expect(ids(p)).toEqual(ids(zenhire));
      const credits = p.rules.find((r) => r.id === 'credits');
      expect(credits).toMatchObject({
        action: 'backoff',
        maxAttempts: 3,
        category: 'custom',
        file: '<inline>',
      });
      expect(p.rules.find((r) => r.id === 'auth')?.file).toBe(ZENHIRE_FILE);
    },
  },
  {
    title: 'new rules come before the base’s, code-identifying ones still before status-only ones',
    child: {
      extends: 'zenhire',
      rules: [rule('teapot', { status: 418 }, 'retry'), rule('quota-code', { code: 'QUOTA_EXCEEDED' })],
    },
    expectIt: (p) => {
      const base = ids(zenhire);
      const firstStatusOnly = base.indexOf('run-not-found');
      expect(ids(p)).toEqual([
        'quota-code',
        ...base.slice(0, firstStatusOnly),
        'teapot',
        ...base.slice(firstStatusOnly),
      ]);
    },
  },
  {
    title: 'removeRules drops base rules by id',
    child: { extends: 'zenhire', removeRules: ['run-failed-other', 'permission'] },
    expectIt: (p) => {
      expect(ids(p)).toEqual(ids(zenhire).filter((id) => id !== 'run-failed-other' && id !== 'permission'));
    },
  },
  {
    title: 'envelopes: same id replaces in place, a new one is tried first',
    child: {
      extends: 'zenhire',
      envelopes: [
        {
          id: 'standard-error',
          format: 'json',
          in: ['body'],
          when: { 'err.code': true },
          fields: { code: ['err.code'] },
        },
        { id: 'proxy', format: 'text', pattern: '^proxy error (?<code>[A-Z_]+)' },
      ],
    },
    expectIt: (p) => {
      expect(p.envelopes.map((e) => e.id)).toEqual(['proxy', 'run', 'standard-error']);
      expect(p.envelopes[2]?.fields.code).toEqual([['err', 'code']]);
    },
  },
  {
    title: 'a vendor given renames the policy (rules report under it)',
    child: { extends: 'zenhire', vendor: 'zenhire-eu' },
    expectIt: (p) => {
      expect(p.vendor).toBe('zenhire-eu');
      expect(p.rules[0]?.name).toBe(`zenhire-eu#${zenhire.rules[0]?.id ?? ''}`);
    },
  },
];

describe('extends: how a policy merges onto its base', () => {
  it.each(mergeCases)('$title', ({ child, expectIt }) => {
    const merged = compilePolicy(child);
    expectIt(merged);
    expect(merged.files).toEqual(['<inline>', ZENHIRE_FILE]);
  });

  it('the base is not changed by an extension', () => {
    compilePolicy({
      extends: 'zenhire',
      limits: { requestsPerMinute: 1, source: 'x' },
      removeRules: ['auth'],
    });
    expect(builtinPolicy('zenhire')).toBe(zenhire);
    expect(zenhire.limits.requestsPerMinute).toBe(500);
    expect(ids(zenhire)).toContain('auth');
  });

  it('the merged policy decides with the new rule first: it wins over the base’s broader rule', () => {
    const engine = createVendorEngine({
      policies: [
        {
          extends: 'zenhire',
          rules: [
            rule(
              'low-confidence-retry',
              {
                phase: 'poll',
                jobStatus: 'failed',
                code: 'TRANSCRIPTION_LOW_CONFIDENCE',
                messagePattern: 'retry',
              },
              'resubmit',
            ),
          ],
        },
      ],
    });
    const body = (message: string) =>
      JSON.stringify({
        id: 'r1',
        status: 'failed',
        error: { code: 'TRANSCRIPTION_LOW_CONFIDENCE', message },
      });
    const signal = { vendor: 'zenhire', phase: 'poll', status: 200, body: body('please retry') } as const;
    expect(engine.decide(signal)).toMatchObject({ action: 'resubmit', rule: 'zenhire#low-confidence-retry' });
    expect(engine.decide({ ...signal, body: body('wrong language') })).toMatchObject({
      action: 'fail',
      rule: 'zenhire#run-failed-fatal',
    });
  });
});

describe('extends: files', () => {
  let dir: string;
  const at = (name: string) => join(dir, name);
  const write = (name: string, document: unknown) => writeFileSync(at(name), JSON.stringify(document));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vr-extends-'));
    write('paid.json', {
      extends: 'zenhire',
      limits: { requestsPerMinute: 3000, maxConcurrent: 20, source: 'our Pro plan' },
      rules: [rule('teapot', { status: 418 }, 'retry')],
    });
    write('team.json', { extends: './paid.json', title: 'Team', removeRules: ['auth'] });
    write('a.json', { extends: './b.json' });
    write('b.json', { extends: './a.json' });
    write('self.json', { extends: './self.json' });
    write('bad-base.json', {
      vendor: 'acme',
      title: 'Acme',
      docs: ['d'],
      envelopes: [],
      rules: [rule('one', { status: 500 }, 'explode')],
    });
    write('on-bad-base.json', { extends: './bad-base.json', title: 5 });
    writeFileSync(at('not-json.json'), '{ nope');
    write('on-not-json.json', { extends: './not-json.json' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a base is a path relative to the extending file; chains merge level by level', () => {
    const team = loadPolicyFile(at('team.json'));
    expect(team.files).toEqual([at('team.json'), at('paid.json'), ZENHIRE_FILE]);
    expect(team.title).toBe('Team');
    expect(team.limits).toEqual({ requestsPerMinute: 3000, maxConcurrent: 20 });
    expect(ids(team)).not.toContain('auth');
    expect(team.rules.find((r) => r.id === 'teapot')?.file).toBe(at('paid.json'));
    expect(team.rules.find((r) => r.id === 'rate-limit')?.file).toBe(ZENHIRE_FILE);
  });

  it('works through every entry point: resolvePolicy, createVendorEngine, presetJob', () => {
    expect(resolvePolicy(at('paid.json')).limits.requestsPerMinute).toBe(3000);
    const engine = createVendorEngine({ policies: [at('paid.json')] });
    expect(engine.decide({ vendor: 'zenhire', status: 418 })).toMatchObject({
      action: 'retry',
      rule: 'zenhire#teapot',
    });
    expect(createVendorEngine().decide({ vendor: at('team.json'), status: 418 }).rule).toBe('zenhire#teapot');
    // The job section is inherited: presetJob takes the extending file as it takes zenhire.
    const job = presetJob(at('paid.json'), { submit: { headers: { 'x-api-key': 'k' } } });
    const builtin = presetJob('zenhire', { submit: { headers: { 'x-api-key': 'k' } } });
    expect(job.submit(1)).toEqual(builtin.submit(1));
    expect(job.poll('run-1')).toEqual(builtin.poll('run-1'));
    expect(job.jobId({ id: 'run-1' })).toBe('run-1');
  });

  interface ErrorCase {
    title: string;
    load: () => unknown;
    file: () => string;
    field: string;
    problem: RegExp;
  }
  const errorCases: ErrorCase[] = [
    {
      title: 'a cycle (a extends b extends a)',
      load: () => loadPolicyFile(at('a.json')),
      file: () => join(dir, 'b.json'),
      field: 'extends',
      problem: /names "\.\/a\.json", which makes a cycle \(.*a\.json → .*b\.json → .*a\.json\)/,
    },
    {
      title: 'a file that extends itself',
      load: () => loadPolicyFile(at('self.json')),
      file: () => at('self.json'),
      field: 'extends',
      problem: /makes a cycle/,
    },
    {
      title: 'a missing base file',
      load: () => compilePolicy({ extends: './no-such-base.json' }, at('child.json')),
      file: () => at('child.json'),
      field: 'extends',
      problem: /^names "\.\/no-such-base\.json", which cannot be read \(ENOENT\)$/,
    },
    {
      title: 'an unknown built-in',
      load: () => compilePolicy({ extends: 'brezze' }),
      file: () => '<inline>',
      field: 'extends',
      problem: /^names "brezze", which is not a built-in policy \(built-in: audixa, breeze/,
    },
    {
      title: 'a base that is not JSON',
      load: () => loadPolicyFile(at('on-not-json.json')),
      file: () => at('on-not-json.json'),
      field: 'extends',
      problem: /which is not valid JSON/,
    },
    {
      title: 'a bad field in the base names the base file',
      load: () => compilePolicy({ extends: './bad-base.json' }, at('ok-child.json')),
      file: () => at('bad-base.json'),
      field: 'rules[0].action',
      problem: /^must be one of/,
    },
    {
      title: 'a bad field in the child names the child file',
      load: () =>
        compilePolicy({ extends: 'zenhire', rules: [rule('x', { status: 500 }, 'explode')] }, at('c.json')),
      file: () => at('c.json'),
      field: 'rules[0].action',
      problem: /^must be one of/,
    },
    {
      title: 'limits overridden without a source',
      load: () => compilePolicy({ extends: 'zenhire', limits: { requestsPerMinute: 3000 } }),
      file: () => '<inline>',
      field: 'limits.source',
      problem: /is required but missing/,
    },
    {
      title: 'a section the merge leaves incomplete names the extending file',
      load: () => compilePolicy({ extends: 'elsa', polling: { deadlineMs: 60_000, source: 'ours' } }),
      file: () => '<inline>',
      field: 'polling.intervalMs',
      problem: /is required but missing/,
    },
    {
      title: 'removeRules naming no base rule',
      load: () => compilePolicy({ extends: 'zenhire', removeRules: ['nope'] }),
      file: () => '<inline>',
      field: 'removeRules[0]',
      problem: /^names "nope", which is not a rule of the base policy$/,
    },
    {
      title: 'removeRules and a rule of the same id',
      load: () =>
        compilePolicy({ extends: 'zenhire', removeRules: ['auth'], rules: [rule('auth', { code: 'X' })] }),
      file: () => '<inline>',
      field: 'removeRules[0]',
      problem: /which rules\[0\] replaces/,
    },
    {
      title: 'removeRules without extends',
      load: () => compilePolicy({ ...zenhire.document, removeRules: ['auth'] }),
      file: () => '<inline>',
      field: 'removeRules',
      problem: /needs `extends`/,
    },
    {
      title: 'two rules of the child with one id',
      load: () =>
        compilePolicy({
          extends: 'zenhire',
          rules: [rule('x', { status: 418 }), rule('x', { status: 419 })],
        }),
      file: () => '<inline>',
      field: 'rules[1].id',
      problem: /duplicates the id of rules\[0\]/,
    },
    {
      title: 'a new rule whose match repeats a base rule’s',
      load: () =>
        compilePolicy({ extends: 'zenhire', rules: [rule('my-credits', { code: 'INSUFFICIENT_CREDITS' })] }),
      file: () => '<inline>',
      field: 'rules[0].match',
      problem: /is the same as the match of rule "credits" of .*zenhire\.json.*give yours its id/,
    },
    {
      title: 'two rules of the child with one match',
      load: () =>
        compilePolicy({
          extends: 'zenhire',
          rules: [rule('x', { status: 418 }), rule('y', { status: [418] })],
        }),
      file: () => '<inline>',
      field: 'rules[1].match',
      problem: /^is the same as rules\[0\]\.match, so one of them can never apply$/,
    },
    {
      title: 'a new rule naming an envelope no file defines',
      load: () => compilePolicy({ extends: 'zenhire', rules: [rule('x', { envelope: 'nope' })] }),
      file: () => '<inline>',
      field: 'rules[0].match.envelope',
      problem: /names unknown envelope "nope"/,
    },
    {
      title: 'removing every rule',
      load: () => compilePolicy({ extends: 'zenhire', removeRules: ids(zenhire) }),
      file: () => '<inline>',
      field: 'removeRules',
      problem: /removes every rule/,
    },
    {
      title: 'a default the child changes breaks an inherited rule: said against the child',
      load: () =>
        compilePolicy(
          { extends: 'zenhire', defaults: { backoff: { minMs: 35_000, maxMs: 100_000 } } },
          at('d.json'),
        ),
      file: () => at('d.json'),
      field: 'extends',
      problem:
        /^with this file's changes, the rule "rate-limit" of .*zenhire\.json fails: backoff\.minMs \(35000\) must not exceed maxMs \(30000\)$/,
    },
    {
      title: 'extends that is not a string',
      load: () => compilePolicy({ extends: 5 }),
      file: () => '<inline>',
      field: 'extends',
      problem: /must be string/,
    },
  ];

  it.each(errorCases)('refused: $title', ({ load, file, field, problem }) => {
    let thrown: unknown;
    try {
      load();
    } catch (error) {
      thrown = error;
    }
    expect(isPolicyError(thrown)).toBe(true);
    const error = thrown as PolicyError;
    expect({ file: error.file, field: error.field }).toEqual({ file: file(), field });
    expect(error.problem).toMatch(problem);
  });

  it('problems in the child and in its base are reported together, each naming its file', () => {
    let thrown: PolicyError | undefined;
    try {
      loadPolicyFile(at('on-bad-base.json'));
    } catch (error) {
      thrown = error as PolicyError;
    }
    expect(thrown?.file).toBe(at('on-bad-base.json'));
    expect(thrown?.problems.map((p) => [p.file ?? thrown?.file, p.field])).toEqual([
      [at('on-bad-base.json'), 'title'],
      [at('bad-base.json'), 'rules[0].action'],
    ]);
  });
});

describe('the documented extensions compile', () => {
  it('examples/zenhire-pro-plan.json: a paid plan’s limits, a cap and one rule over zenhire', () => {
    const plan = loadPolicyFile(join(ROOT, 'examples/zenhire-pro-plan.json'));
    expect(plan.vendor).toBe('zenhire');
    expect(plan.limits).toEqual({ requestsPerMinute: 3000, maxConcurrent: 20 });
    expect(plan.maxAttempts.backoff).toBe(12);
    expect(plan.rules.find((r) => r.id === 'credits')?.action).toBe('backoff');
    expect(ids(plan)).toEqual(ids(zenhire));
  });

  it('the docs/policies.md example ("Extending a policy")', () => {
    const text = readFileSync(join(ROOT, 'docs/policies.md'), 'utf8');
    const section = text.slice(text.indexOf('## Extending a policy'));
    const snippet = /```json\n([\s\S]*?)\n```/.exec(section)?.[1] ?? '';
    const document = JSON.parse(snippet) as Record<string, unknown>;
    expect(document['extends']).toBe('zenhire');
    const plan = compilePolicy(document, join(ROOT, 'zenhire-pro.json'));
    expect(plan.limits).toEqual({ requestsPerMinute: 3000, maxConcurrent: 20 });
    expect(ids(plan)).toEqual(ids(zenhire).filter((id) => id !== 'run-failed-other'));
  });
});
