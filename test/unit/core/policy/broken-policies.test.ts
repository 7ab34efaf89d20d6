import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVendorEngine } from '../../../../lib/core/default-engine.js';
import {
  builtinPolicy,
  compilePolicy,
  isPolicyError,
  loadPolicyFile,
  PolicyError,
} from '../../../../lib/core/policy/index.js';
import type { CompiledPolicy } from '../../../../lib/core/policy/index.js';

/**
 * Issue 2: "Loading validates the file and fails with the file, the field and the problem."
 * Each case starts from a valid copy of policies/zenhire.json and breaks exactly one thing.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CLI = join(ROOT, 'dist/lib/cli/main.js');
const ZENHIRE_TEXT = readFileSync(join(ROOT, 'policies/zenhire.json'), 'utf8');

type Json = Record<string, unknown>;
const fresh = (): Json => {
  const doc = JSON.parse(ZENHIRE_TEXT) as Json;
  delete doc['$schema']; // temp files live elsewhere; the key is optional
  return doc;
};
const rules = (doc: Json) => doc['rules'] as Json[];
const rule = (doc: Json, i: number) => rules(doc)[i] as Json;
const match = (doc: Json, i: number) => rule(doc, i)['match'] as Json;
const envelopes = (doc: Json) => doc['envelopes'] as Json[];
const job = (doc: Json) => doc['job'] as Json;

interface BrokenCase {
  name: string;
  /** Breaks one thing in a fresh valid document. */
  breakIt: (doc: Json) => void;
  field: string;
  problem: RegExp;
  /** Set when the case documents a bug found in the loader (see the test report). */
  bug?: string;
}

const TEXT_ENVELOPE = { id: 'plain', format: 'text', in: ['body'] };

const CASES: BrokenCase[] = [
  {
    name: 'unknown action',
    breakIt: (d) => void (rule(d, 2)['action'] = 'explode'),
    field: 'rules[2].action',
    problem: /^must be one of "ok", "retry", "backoff", "poll", "resubmit", "reconnect", "fail"$/,
  },
  {
    name: 'action of the wrong type',
    breakIt: (d) => void (rule(d, 2)['action'] = 5),
    field: 'rules[2].action',
    problem: /must be one of/,
  },
  {
    name: 'maxAttempts as a string',
    breakIt: (d) => void (rule(d, 0)['maxAttempts'] = '8'),
    field: 'rules[0].maxAttempts',
    problem: /must be integer/,
  },
  {
    name: 'vendor as a number',
    breakIt: (d) => void (d['vendor'] = 42),
    field: 'vendor',
    problem: /must be string/,
  },
  {
    name: 'status as a string',
    breakIt: (d) => void (match(d, 0)['status'] = '429'),
    field: 'rules[0].match.status',
    problem: /must be (integer|array)/,
  },
  {
    name: 'status out of range',
    breakIt: (d) => void (match(d, 7)['status'] = 700),
    field: 'rules[7].match.status',
    problem: /must be <= 599|must be array/,
  },
  {
    name: 'rules as an object',
    breakIt: (d) => void (d['rules'] = {}),
    field: 'rules',
    problem: /must be array/,
  },
  {
    name: 'no rules at all',
    breakIt: (d) => void (d['rules'] = []),
    field: 'rules',
    problem: /must NOT have fewer than 1 items/,
  },
  {
    name: 'jitterRatio 0.5',
    breakIt: (d) => void ((d['serverWait'] as Json)['jitterRatio'] = 0.5),
    field: 'serverWait.jitterRatio',
    problem: /must be <= 0\.2/,
  },
  {
    name: 'unknown top-level field',
    breakIt: (d) => void (d['retries'] = 3),
    field: 'retries',
    problem: /^is not a known field$/,
  },
  {
    name: 'unknown field in a rule',
    breakIt: (d) => void (rule(d, 1)['retryable'] = true),
    field: 'rules[1].retryable',
    problem: /^is not a known field$/,
  },
  {
    name: 'unknown condition in a match',
    breakIt: (d) => void (match(d, 1)['header'] = 'retry-after'),
    field: 'rules[1].match.header',
    problem: /^is not a known field$/,
  },
  {
    name: 'missing vendor',
    breakIt: (d) => void delete d['vendor'],
    field: 'vendor',
    problem: /^is required but missing$/,
  },
  {
    name: 'missing rules',
    breakIt: (d) => void delete d['rules'],
    field: 'rules',
    problem: /^is required but missing$/,
  },
  {
    name: 'missing rule.source',
    breakIt: (d) => void delete rule(d, 3)['source'],
    field: 'rules[3].source',
    problem: /^is required but missing$/,
  },
  {
    name: 'missing rule.match',
    breakIt: (d) => void delete rule(d, 3)['match'],
    field: 'rules[3].match',
    problem: /^is required but missing$/,
  },
  {
    name: 'empty match',
    breakIt: (d) => void (rule(d, 3)['match'] = {}),
    field: 'rules[3].match',
    problem: /must NOT have fewer than 1 properties/,
  },
  {
    name: 'rule id that is not an id',
    breakIt: (d) => void (rule(d, 4)['id'] = 'Auth Errors'),
    field: 'rules[4].id',
    problem: /must match pattern/,
  },
  {
    name: 'duplicate rule ids',
    breakIt: (d) => void (rule(d, 5)['id'] = 'rate-limit'),
    field: 'rules[5].id',
    problem: /^duplicates the id of rules\[0\] \("rate-limit"\)$/,
  },
  {
    name: 'two rules with the same match',
    breakIt: (d) => void (rule(d, 5)['match'] = { status: 429, code: 'RATE_LIMIT_EXCEEDED' }),
    field: 'rules[5].match',
    problem: /is the same as rules\[0\]\.match/,
  },
  {
    name: 'two rules with the same match, keys in another order',
    breakIt: (d) => void (rule(d, 5)['match'] = { code: 'RATE_LIMIT_EXCEEDED', status: 429 }),
    field: 'rules[5].match',
    problem: /is the same as rules\[0\]\.match/,
  },
  {
    name: 'two rules with the same match, one written as one-element lists',
    breakIt: (d) => void (rule(d, 5)['match'] = { status: [429], code: ['RATE_LIMIT_EXCEEDED'] }),
    field: 'rules[5].match',
    problem: /is the same as rules\[0\]\.match/,
    bug: 'the duplicate-match check compares JSON text, so 429 and [429] look different',
  },
  {
    name: 'bad regex in messagePattern',
    breakIt: (d) => void (match(d, 4)['messagePattern'] = 'api key (expired'),
    field: 'rules[4].match.messagePattern',
    problem: /^is not a valid regular expression/,
  },
  {
    name: 'bad regex in a text envelope pattern',
    breakIt: (d) => void envelopes(d).push({ ...TEXT_ENVELOPE, pattern: 'error (?<code>[0-9' }),
    field: 'envelopes[2].pattern',
    problem: /^is not a valid regular expression/,
  },
  {
    name: 'unknown named group in a text envelope',
    breakIt: (d) => void envelopes(d).push({ ...TEXT_ENVELOPE, pattern: '^error (?<status>\\d+)' }),
    field: 'envelopes[2].pattern',
    problem: /^names group "status"; use code, message or retryAfterSeconds$/,
  },
  {
    name: 'unknown named group with an underscore',
    breakIt: (d) => void envelopes(d).push({ ...TEXT_ENVELOPE, pattern: '^retry in (?<retry_after>\\d+)' }),
    field: 'envelopes[2].pattern',
    problem: /^names group "retry_after"/,
    bug: 'the group-name scan only sees [A-Za-z]+ names, so retry_after / code2 pass unchecked',
  },
  {
    name: 'text envelope without a pattern',
    breakIt: (d) => void envelopes(d).push({ ...TEXT_ENVELOPE }),
    field: 'envelopes[2].pattern',
    problem: /^is required for a text envelope$/,
  },
  {
    name: 'duplicate envelope ids',
    breakIt: (d) => void ((envelopes(d)[1] as Json)['id'] = 'run'),
    field: 'envelopes[1].id',
    problem: /duplicates envelope id "run"/,
  },
  {
    name: 'rule names an envelope that does not exist',
    breakIt: (d) => void (match(d, 1)['envelope'] = 'standard-eror'),
    field: 'rules[1].match.envelope',
    problem: /^names unknown envelope "standard-eror"$/,
  },
  {
    name: 'rule backoff minMs > maxMs',
    breakIt: (d) => void ((rule(d, 2)['backoff'] as Json)['minMs'] = 70_000),
    field: 'rules[2].backoff.minMs',
    problem: /^\(70000\) must not exceed maxMs \(60000\)$/,
  },
  {
    name: 'default backoff minMs > maxMs',
    breakIt: (d) => void (((d['defaults'] as Json)['backoff'] as Json)['minMs'] = 25_000),
    field: 'defaults.backoff.minMs',
    problem: /^\(25000\) must not exceed maxMs \(20000\)$/,
  },
  {
    name: 'polling schedule not increasing',
    breakIt: (d) => {
      const schedule = (d['polling'] as Json)['schedule'] as Json[];
      (schedule[2] as Json)['afterMs'] = 120_000;
    },
    field: 'polling.schedule[2].afterMs',
    problem: /^must be larger than the step before it$/,
  },
  {
    name: 'poll interval below the minimum interval',
    breakIt: (d) => void ((d['polling'] as Json)['intervalMs'] = 5000),
    field: 'polling.intervalMs',
    problem: /below minIntervalMs/,
  },
  {
    name: 'maxAttempts on an ok rule',
    breakIt: (d) => void (rule(d, 9)['maxAttempts'] = 3),
    field: 'rules[9].maxAttempts',
    problem: /makes no sense for action "ok"/,
  },
  {
    name: 'empty pattern in serverWait.messagePatterns',
    breakIt: (d) => void ((d['serverWait'] as Json)['messagePatterns'] = ['retry after (\\d+', '']),
    field: 'serverWait.messagePatterns[1]',
    problem: /must NOT have fewer than 1 characters/,
  },
  {
    name: 'invalid regex in serverWait.messagePatterns',
    breakIt: (d) => void ((d['serverWait'] as Json)['messagePatterns'] = ['ok (\\d+) s', 'retry (\\d+']),
    field: 'serverWait.messagePatterns[1]',
    problem: /^is not a valid regular expression/,
  },
  {
    name: 'job poll path without {jobId}',
    breakIt: (d) => void ((job(d)['poll'] as Json)['path'] = '/api/v1/speech/analyze/latest'),
    field: 'job.poll.path',
    problem: /^must name \{jobId\}, where the job id goes$/,
  },
  {
    name: 'job submit path naming a placeholder nothing fills',
    breakIt: (d) => void ((job(d)['submit'] as Json)['path'] = '/api/v1/{model}/analyze'),
    field: 'job.submit.path',
    problem: /^names \{model\}; the submit path may name only \{voiceId\}$/,
  },
  {
    name: 'job path not starting with a slash',
    breakIt: (d) => void ((job(d)['submit'] as Json)['path'] = 'api/v1/speech/analyze'),
    field: 'job.submit.path',
    problem: /^must match pattern "\^\/"$/,
  },
  {
    name: 'unknown job method',
    breakIt: (d) => void ((job(d)['poll'] as Json)['method'] = 'FETCH'),
    field: 'job.poll.method',
    problem: /^must be one of "GET", "POST", "PUT", "PATCH", "DELETE"$/,
  },
  {
    name: 'job base URL without a scheme',
    breakIt: (d) => void (job(d)['baseUrl'] = 'platform.zenhire.ai'),
    field: 'job.baseUrl',
    problem: /^must match pattern/,
  },
  {
    name: 'job base URL that does not parse',
    breakIt: (d) => void (job(d)['baseUrl'] = 'https://[::1'),
    field: 'job.baseUrl',
    problem: /^is not a valid URL$/,
  },
  {
    name: 'job without the job id location',
    breakIt: (d) => void delete job(d)['jobId'],
    field: 'job.jobId',
    problem: /^is required but missing$/,
  },
  {
    name: 'job with an empty job id list',
    breakIt: (d) => void (job(d)['jobId'] = []),
    field: 'job.jobId',
    problem: /^must NOT have fewer than 1 items$/,
  },
  {
    name: 'job with an unknown field',
    breakIt: (d) => void (job(d)['pollPath'] = '/api/v1/speech/analyze/{jobId}'),
    field: 'job.pollPath',
    problem: /^is not a known field$/,
  },
  {
    name: 'job without its source',
    breakIt: (d) => void delete job(d)['source'],
    field: 'job.source',
    problem: /^is required but missing$/,
  },
];

function expectPolicyError(run: () => unknown): PolicyError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PolicyError);
  expect(isPolicyError(caught)).toBe(true);
  return caught as PolicyError;
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vr-broken-policies-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the corpus starts from a valid policy', () => {
  it('the unbroken copy compiles and loads', () => {
    expect(compilePolicy(fresh(), 'zenhire-copy.json').vendor).toBe('zenhire');
    const file = join(dir, 'valid.json');
    writeFileSync(file, JSON.stringify(fresh()));
    expect(loadPolicyFile(file).rules).toHaveLength(rules(fresh()).length);
  });
});

const titled = CASES.map((c) => ({ ...c, title: c.bug ? `${c.name} [known bug: ${c.bug}]` : c.name }));

describe.each(titled)('broken policy: $title', ({ breakIt, field, problem }) => {
  const broken = (): Json => {
    const doc = fresh();
    breakIt(doc);
    return doc;
  };

  it('compilePolicy refuses it, naming the file, the field and the problem', () => {
    const error = expectPolicyError(() => compilePolicy(broken(), 'inline-zenhire.json'));
    expect({ file: error.file, field: error.field }).toEqual({ file: 'inline-zenhire.json', field });
    expect(error.problem).toMatch(problem);
    expect(error.message).toBe(`inline-zenhire.json: ${field}: ${error.problem}`);
    expect(error.message).not.toContain('\n');
  });

  it('loadPolicyFile refuses the file; the message starts with its path', () => {
    const file = join(
      dir,
      `${field.replace(/[^A-Za-z0-9]+/g, '_')}-${Math.random().toString(36).slice(2)}.json`,
    );
    writeFileSync(file, JSON.stringify(broken(), null, 2));
    const error = expectPolicyError(() => loadPolicyFile(file));
    expect(error.file).toBe(file);
    expect(error.field).toBe(field);
    expect(error.problem).toMatch(problem);
    expect(error.message.startsWith(`${file}: `)).toBe(true);
  });
});

describe('files that cannot be policies', () => {
  const write = (name: string, content: string | Buffer): string => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  it.each([
    ['not JSON', () => write('not-json.json', '{"vendor": "zenhire", rules: ['), /^is not valid JSON \(/],
    ['an empty file', () => write('empty.json', ''), /^is not valid JSON \(/],
    ['a nonexistent path', () => join(dir, 'missing', 'nope.json'), /^cannot be read \(ENOENT\)$/],
    [
      'a directory',
      () => {
        const sub = join(dir, 'a-directory.json');
        if (!existsSync(sub)) mkdirSync(sub);
        return sub;
      },
      /^cannot be read \(EISDIR\)$/,
    ],
    [
      'an over-size file (valid JSON padded past 1 MiB)',
      () => write('huge.json', JSON.stringify(fresh()) + ' '.repeat(1024 * 1024 + 1)),
      /^is \d+ bytes; a policy file may be at most 1048576$/,
    ],
  ] as const)('%s is refused with file, field "" and the problem', (_name, makePath, problem) => {
    const file = makePath();
    const error = expectPolicyError(() => loadPolicyFile(file));
    expect(error.file).toBe(file);
    expect(error.field).toBe('');
    expect(error.problem).toMatch(problem);
    expect(error.message.startsWith(`${file}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('a JSON array is refused at the document level', () => {
    const file = write('array.json', '[]');
    const error = expectPolicyError(() => loadPolicyFile(file));
    expect(error.field).toBe('');
    expect(error.problem).toMatch(/must be object/);
  });
});

describe('a policy is never half-loaded', () => {
  it('a failed compile leaves the input untouched and a later valid compile works', () => {
    const doc = fresh();
    match(doc, 12)['messagePattern'] = '(';
    const before = JSON.stringify(doc);
    expectPolicyError(() => compilePolicy(doc, 'late-error.json'));
    expect(JSON.stringify(doc)).toBe(before);
    expect(Object.isFrozen(doc)).toBe(false);
    expect(Object.isFrozen(rules(doc))).toBe(false);
    delete match(doc, 12)['messagePattern'];
    const compiled = compilePolicy(doc, 'late-error.json');
    expect(compiled.rules).toHaveLength(13);
    // Compiling a valid document does not freeze the caller's object either.
    expect(Object.isFrozen(doc)).toBe(false);
  });

  it('an engine does not cache a policy file that failed; fixing the file makes it work', () => {
    const file = join(dir, 'fix-me.json');
    const doc = fresh();
    rule(doc, 0)['action'] = 'explode';
    writeFileSync(file, JSON.stringify(doc));
    const engine = createVendorEngine();
    const signal = {
      vendor: file,
      status: 429,
      body: '{"error":{"code":"RATE_LIMIT_EXCEEDED"}}',
    };
    const first = engine.tryDecide(signal);
    expect(first.ok).toBe(false);
    if (!first.ok) expect(first.error.startsWith(`${file}: rules[0].action: must be one of`)).toBe(true);
    writeFileSync(file, JSON.stringify(fresh()));
    const second = engine.tryDecide(signal);
    expect(second.ok).toBe(true);
    if (second.ok) expect(second.decision.action).toBe('backoff');
  });

  it('createVendorEngine refuses a broken extra policy, and a later valid one works', () => {
    const broken = fresh();
    rule(broken, 3)['match'] = {};
    expectPolicyError(() => createVendorEngine({ policies: [broken] }));
    const valid = fresh();
    valid['vendor'] = 'zenhire-copy';
    const engine = createVendorEngine({ policies: [valid] });
    const result = engine.tryDecide({
      vendor: 'zenhire-copy',
      status: 402,
      body: '{"error":{"code":"INSUFFICIENT_CREDITS"}}',
    });
    expect(result.ok && result.decision.rule).toBe('zenhire-copy#credits');
  });

  it('a broken file does not disturb the built-in policy of the same vendor', () => {
    const before = builtinPolicy('zenhire');
    const doc = fresh();
    rule(doc, 0)['action'] = 'explode';
    const file = join(dir, 'zenhire.json');
    writeFileSync(file, JSON.stringify(doc));
    expectPolicyError(() => loadPolicyFile(file));
    expect(builtinPolicy('zenhire')).toBe(before);
    expect(builtinPolicy('zenhire').rules.find((r) => r.id === 'rate-limit')?.action).toBe('backoff');
  });
});

/** Every object, array, Set, Map and RegExp reachable from a compiled policy, by path. */
function reachable(root: unknown): { path: string; value: object }[] {
  const out: { path: string; value: object }[] = [];
  const seen = new Set<object>();
  const walk = (value: unknown, path: string): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    out.push({ path, value });
    if (value instanceof Set) [...value].forEach((v, i) => walk(v, `${path}<${i}>`));
    if (value instanceof Map) [...value].forEach(([, v], i) => walk(v, `${path}<${i}>`));
    for (const key of Reflect.ownKeys(value)) {
      walk((value as Record<string | symbol, unknown>)[key], `${path}.${String(key)}`);
    }
  };
  walk(root, 'policy');
  return out;
}

describe('compiled policies are deeply frozen', () => {
  const compiledAll = (): CompiledPolicy[] =>
    ['audixa', 'breeze', 'elsa', 'gradium', 'zenhire'].map((v) =>
      compilePolicy(JSON.parse(readFileSync(join(ROOT, 'policies', `${v}.json`), 'utf8')), `${v}.json`),
    );

  it('every object, array and RegExp reachable from a compiled policy is frozen', () => {
    const notFrozen = compiledAll()
      .flatMap((p) => reachable(p).map((r) => ({ ...r, path: `${p.vendor}:${r.path}` })))
      .filter((r) => !(r.value instanceof Set) && !(r.value instanceof Map))
      .filter((r) => !Object.isFrozen(r.value))
      .map((r) => r.path);
    expect(notFrozen).toEqual([]);
  });

  it('no Set or Map reachable from a compiled policy can be changed', () => {
    const mutable: string[] = [];
    for (const p of compiledAll()) {
      for (const { path, value } of reachable(p)) {
        if (!(value instanceof Set)) continue;
        const probe = Symbol('probe');
        try {
          (value as Set<unknown>).add(probe);
        } catch {
          continue;
        }
        if ((value as Set<unknown>).has(probe)) {
          mutable.push(`${p.vendor}:${path}`);
          (value as Set<unknown>).delete(probe);
        }
      }
    }
    expect(mutable).toEqual([]);
  });

  it('assigning into a compiled policy throws in strict mode', () => {
    const p = compilePolicy(fresh(), 'z.json');
    expect(() => {
      (p as unknown as Json)['vendor'] = 'x';
    }).toThrow(TypeError);
    expect(() => {
      (p.rules as unknown as Json[]).push({});
    }).toThrow(TypeError);
    expect(() => {
      (p.rules[0] as unknown as Json)['action'] = 'ok';
    }).toThrow(TypeError);
    expect(() => {
      (p.document.rules[0] as unknown as Json)['action'] = 'ok';
    }).toThrow(TypeError);
    expect(() => {
      (p.serverWait as unknown as Json)['maxMs'] = 1;
    }).toThrow(TypeError);
  });
});

interface CheckRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI's `check` (asynchronously, so the corpus runs in parallel). */
function runCheck(file: string): Promise<CheckRun> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, 'check', file], { encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      done({ status: code, stdout, stderr });
    });
  });
}

describe('`check` prints one line for each broken file', () => {
  const runs = new Map<string, { file: string; run: CheckRun }>();

  beforeAll(async () => {
    await Promise.all(
      titled.map(async (c, i) => {
        const doc = fresh();
        c.breakIt(doc);
        const file = join(dir, `check-${i}.json`);
        writeFileSync(file, JSON.stringify(doc, null, 2));
        runs.set(c.title, { file, run: await runCheck(file) });
      }),
    );
  }, 60_000);

  it.each(titled.map((c) => [c.title, c.field] as const))('check: %s', (title, field) => {
    const entry = runs.get(title);
    expect(entry).toBeDefined();
    const { file, run } = entry as { file: string; run: CheckRun };
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^vendor-resilience: ${escape(file)}: ${escape(field)}: \\S`));
    expect(run.stderr).not.toContain('    at ');
  });

  it.each([
    ['not JSON', (d: string) => write(d, 'x.json', '{nope'), /is not valid JSON/],
    ['a directory', (d: string) => d, /cannot be read \(EISDIR\)/],
    ['a missing file', (d: string) => join(d, 'missing.json'), /cannot be read \(ENOENT\)/],
  ] as const)('check: %s', async (_name, makePath, problem) => {
    const file = makePath(dir);
    const run = await runCheck(file);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.startsWith(`vendor-resilience: ${file}: (document): `)).toBe(true);
    expect(lines[0]).toMatch(problem);
    expect(run.stderr).not.toContain('    at ');
  });

  it('check accepts every built-in policy with one ok line', async () => {
    const vendors = ['audixa', 'breeze', 'elsa', 'gradium', 'zenhire'];
    const results = await Promise.all(vendors.map((v) => runCheck(join(ROOT, 'policies', `${v}.json`))));
    results.forEach((run, i) => {
      const v = vendors[i] ?? '';
      const file = join(ROOT, 'policies', `${v}.json`);
      expect(run.status).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(
        new RegExp(`^ok: ${escape(file)} is a valid policy for "${v}" \\(\\d+ rules, \\d+ envelopes\\)\\n$`),
      );
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function write(d: string, name: string, content: string): string {
  const file = join(d, name);
  writeFileSync(file, content);
  return file;
}
