import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVendorEngine } from '../../lib/core/default-engine.js';
import type { Decision } from '../../lib/index.js';

/**
 * Runs the BUILT command (`dist/lib/cli/main.js`; `npm test` builds before jest) as users do.
 * Issue 2 acceptance commands, human and JSON output, --batch, vendors, check, errors, secrets.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'dist/lib/cli/main.js');
const VENDORS = ['audixa', 'breeze', 'elsa', 'gradium', 'zenhire'];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Longest a command may run before it is killed (and its status is null): a hang fails, and no child outlives the test. */
const KILL_AFTER_MS = 20_000;

function cli(args: readonly string[], input?: string, killAfterMs = KILL_AFTER_MS): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (error) => {
      clearTimeout(killer);
      fail(error);
    });
    child.on('close', (status) => {
      clearTimeout(killer);
      done({ status, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

function json(run: Run): Decision {
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const lines = run.stdout.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as Decision;
}

/** One line on stderr, nothing on stdout, no stack trace. */
function expectOneLineError(run: Run, exit: 1 | 2, pattern: RegExp): void {
  expect(run.status).toBe(exit);
  expect(run.stdout).toBe('');
  expect(run.stderr).not.toContain('    at ');
  const lines = run.stderr.split('\n');
  expect(lines).toHaveLength(2); // the line and the final newline
  expect(lines[1]).toBe('');
  expect(lines[0]).toMatch(/^vendor-resilience: /);
  expect(lines[0]).toMatch(pattern);
}

const ZH_POLL_BODY =
  '{"error":{"code":"POLL_RATE_LIMITED","message":"slow down","timestamp":"2026-04-21T12:34:56Z","retryAfterSeconds":10}}';
const ZH_RATE_BODY =
  '{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"slow down","timestamp":"2026-04-21T12:34:56Z","retryAfterSeconds":10}}';
const pollArgs = [
  'explain',
  '--vendor',
  'zenhire',
  '--phase',
  'poll',
  '--status',
  '429',
  '--header',
  'Retry-After: 10',
  '--body',
  ZH_POLL_BODY,
];

/** A copy of the zenhire policy under another vendor name, as a user's own policy file would be. */
function acmeDoc(): Record<string, unknown> {
  const doc = JSON.parse(readFileSync(join(ROOT, 'policies/zenhire.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  delete doc['$schema'];
  doc['vendor'] = 'acme';
  return doc;
}

let dir = '';
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  dir = mkdtempSync(join(tmpdir(), 'vr-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('issue 2 acceptance commands', () => {
  it('zenhire poll 429 POLL_RATE_LIMITED with Retry-After 10 → poll, at least 10 s', async () => {
    const d = json(await cli([...pollArgs, '--json']));
    expect(d.action).toBe('poll');
    expect(d.code).toBe('POLL_RATE_LIMITED');
    expect(d.delayMs).toBeGreaterThanOrEqual(10_000);
    expect(d.delayMs).toBeLessThanOrEqual(12_001);
    expect(d.delaySource).toBe('header');
    expect(d.retryAfterMs).toBe(10_000);
    expect(d.rule).toBe('zenhire#poll-rate-limited');
  });

  it('the same with RATE_LIMIT_EXCEEDED on submit → backoff', async () => {
    const d = json(
      await cli([
        'explain',
        '--vendor',
        'zenhire',
        '--status',
        '429',
        '--header',
        'Retry-After: 10',
        '--body',
        ZH_RATE_BODY,
        '--json',
      ]),
    );
    expect(d.action).toBe('backoff');
    expect(d.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(d.delayMs).toBeGreaterThanOrEqual(10_000);
    expect(d.delayMs).toBeLessThanOrEqual(12_001);
    expect(d.rule).toBe('zenhire#rate-limit');
  });

  it.each([
    ['UPSTREAM_GENERATION_SERVICE_ERROR', 'fail'],
    ['UPSTREAM_GENERATION_ERROR', 'retry'],
  ])('breeze 502 %s → %s', async (code, action) => {
    const body = JSON.stringify({ ok: false, code, detail: 'upstream said no' });
    const d = json(await cli(['explain', '--vendor', 'breeze', '--status', '502', '--body', body, '--json']));
    expect(d.action).toBe(action);
    expect(d.code).toBe(code);
    if (action === 'fail') expect(d.delayMs).toBe(0);
    else expect(d.delayMs).toBeGreaterThan(0);
  });
});

describe('human output', () => {
  it('says the action, the code, the wait and why', async () => {
    const run = await cli(pollArgs);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(3);
    const first = lines[0] ?? '';
    expect(first).toMatch(/^POLL\b/);
    expect(first).toContain('POLL_RATE_LIMITED');
    expect(first).toMatch(/\b1[01](\.\d)? s\b/); // the wait, 10–11 s
    expect(lines[1]).toMatch(/polled the same run faster than its 10 s minimum interval/);
    expect(run.stdout).toContain('zenhire#poll-rate-limited');
  });

  it('a fail says FAIL with the code and no wait', async () => {
    const body = JSON.stringify({ ok: false, code: 'UPSTREAM_GENERATION_SERVICE_ERROR', detail: 'x' });
    const run = await cli(['explain', '--vendor', 'breeze', '--status', '502', '--body', body]);
    expect(run.status).toBe(0);
    const first = run.stdout.split('\n')[0] ?? '';
    expect(first).toMatch(/^FAIL\b/);
    expect(first).toContain('UPSTREAM_GENERATION_SERVICE_ERROR');
    expect(first).not.toMatch(/after \d/);
    expect(run.stdout).toMatch(/retrying cannot help/);
  });
});

describe('explain flags', () => {
  it('reads a Retry-After HTTP-date relative to now', async () => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 120_000).toUTCString();
    const d = json(
      await cli([
        'explain',
        '--vendor',
        'zenhire',
        '--status',
        '429',
        '--header',
        `Retry-After: ${at}`,
        '--body',
        '{"error":{"code":"RATE_LIMIT_EXCEEDED"}}',
        '--json',
      ]),
    );
    expect(d.action).toBe('backoff');
    expect(d.delaySource).toBe('header');
    expect(d.retryAfterMs).toBeGreaterThan(100_000);
    expect(d.retryAfterMs).toBeLessThanOrEqual(121_000);
    expect(d.delayMs).toBeGreaterThanOrEqual(d.retryAfterMs ?? Infinity);
  });

  it('ignores a Retry-After HTTP-date in the past (computed backoff)', async () => {
    const d = json(
      await cli([
        'explain',
        '--vendor',
        'zenhire',
        '--status',
        '429',
        '--header',
        'Retry-After: Thu, 01 Jan 2015 00:00:00 GMT',
        '--body',
        '{"error":{"code":"RATE_LIMIT_EXCEEDED"}}',
        '--json',
      ]),
    );
    expect(d.action).toBe('backoff');
    expect(d.delaySource).toBe('computed');
    expect(d.retryAfterMs).toBeUndefined();
  });

  it('--body-file gives the same decision as --body', async () => {
    const file = join(dir, 'body.json');
    writeFileSync(file, ZH_POLL_BODY);
    const args = ['explain', '--vendor', 'zenhire', '--phase', 'poll', '--status', '429', '--json'];
    const fromFile = json(await cli([...args, '--body-file', file]));
    const inline = json(await cli([...args, '--body', ZH_POLL_BODY]));
    expect({ ...fromFile, delayMs: 0, reason: '' }).toEqual({ ...inline, delayMs: 0, reason: '' });
    expect(fromFile.code).toBe('POLL_RATE_LIMITED');
    expect(fromFile.delaySource).toBe('body');
  });

  it('--body-file that does not exist is a one-line error (exit 1)', async () => {
    const run = await cli([
      'explain',
      '--vendor',
      'zenhire',
      '--status',
      '500',
      '--body-file',
      join(dir, 'nope.json'),
    ]);
    expectOneLineError(run, 1, /--body-file: cannot read .*nope\.json \(ENOENT\)/);
  });

  it('repeated --header: same name keeps every value (the largest wait wins); names are case-insensitive', async () => {
    const d = json(
      await cli([
        'explain',
        '--vendor',
        'zenhire',
        '--status',
        '429',
        '--header',
        'Retry-After: 5',
        '--header',
        'X-Request-Id: abc',
        '--header',
        'retry-after: 30',
        '--body',
        '{"error":{"code":"RATE_LIMIT_EXCEEDED"}}',
        '--json',
      ]),
    );
    expect(d.delaySource).toBe('header');
    expect(d.retryAfterMs).toBe(30_000);
    expect(d.delayMs).toBeGreaterThanOrEqual(30_000);
  });

  it('--close-code implies ws; 1011 reconnects, 1008 fails', async () => {
    const recon = json(await cli(['explain', '--vendor', 'gradium', '--close-code', '1011', '--json']));
    expect(recon.action).toBe('reconnect');
    const fatal = json(await cli(['explain', '--vendor', 'gradium', '--close-code', '1008', '--json']));
    expect(fatal.action).toBe('fail');
  });
});

describe('--batch', () => {
  const engine = createVendorEngine();

  function signalFor(i: number): Record<string, unknown> {
    const vendor = VENDORS[i % VENDORS.length] ?? 'zenhire';
    const statuses = [200, 400, 401, 404, 408, 425, 429, 500, 502, 503, 504];
    return {
      vendor,
      status: statuses[i % statuses.length],
      attempt: 1 + (i % 7),
      body: i % 3 === 0 ? JSON.stringify({ error: { code: `CODE_${i}`, message: 'm' } }) : '',
    };
  }

  it('keeps order over 2000 lines, one output line per input line; bad lines get {"error"} and exit 1', async () => {
    const lines: string[] = [];
    const bad = new Map<number, RegExp>();
    for (let i = 0; i < 2000; i++) {
      if (i % 97 === 13) {
        lines.push('{"vendor": "zenhire", status: 500');
        bad.set(i, /^line \d+: not JSON/);
      } else if (i % 97 === 42) {
        lines.push(JSON.stringify({ vendor: 'nope', status: 500 }));
        bad.set(i, /^line \d+: signal\.vendor: "nope" is not a known vendor/);
      } else if (i % 97 === 71) {
        lines.push(JSON.stringify({ vendor: 'zenhire', status: '500' }));
        bad.set(i, /^line \d+: signal\.status: must be an integer/);
      } else {
        lines.push(JSON.stringify(signalFor(i)));
      }
    }
    const run = await cli(['explain', '--batch'], lines.join('\n') + '\n');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const out = run.stdout.split('\n');
    expect(out.pop()).toBe('');
    expect(out).toHaveLength(2000);
    out.forEach((text, i) => {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const wantBad = bad.get(i);
      if (wantBad) {
        expect(Object.keys(parsed)).toEqual(['error']);
        expect(parsed['error']).toMatch(wantBad);
        expect(parsed['error']).toMatch(new RegExp(`^line ${i + 1}: `));
        return;
      }
      const expected = engine.decide(signalFor(i) as never);
      const got = parsed as unknown as Decision;
      expect({ i, action: got.action, rule: got.rule, code: got.code, category: got.category }).toEqual({
        i,
        action: expected.action,
        rule: expected.rule,
        code: expected.code,
        category: expected.category,
      });
    });
  });

  it('all good lines → exit 0; CRLF line ends are fine', async () => {
    const input = [0, 1, 2, 3].map((i) => JSON.stringify(signalFor(i))).join('\r\n') + '\r\n';
    const run = await cli(['explain', '--batch'], input);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = run.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(4);
    for (const line of out) expect(JSON.parse(line)).toHaveProperty('action');
  });

  it('empty stdin → no output, exit 0', async () => {
    const run = await cli(['explain', '--batch'], '');
    expect(run).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('a blank line is a bad line of its own, not skipped', async () => {
    const good = JSON.stringify(signalFor(1));
    const run = await cli(['explain', '--batch'], `${good}\n\n${good}\n`);
    expect(run.status).toBe(1);
    const out = run.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(3);
    expect(Object.keys(JSON.parse(out[1] ?? '{}') as object)).toEqual(['error']);
  });

  it('--policy FILE names a policy file; lines name its vendor, or none and get it', async () => {
    const file = join(dir, 'acme.json');
    writeFileSync(file, JSON.stringify(acmeDoc()));
    const input = [
      JSON.stringify({ vendor: 'acme', status: 429, body: '{"error":{"code":"RATE_LIMIT_EXCEEDED"}}' }),
      JSON.stringify({ status: 402, body: '{"error":{"code":"INSUFFICIENT_CREDITS"}}' }),
      JSON.stringify({ vendor: 'breeze', status: 500 }),
    ].join('\n');
    const run = await cli(['explain', '--batch', '--policy', file], input);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({ action: 'backoff', rule: 'acme#rate-limit' });
    expect(out[1]).toMatchObject({ action: 'fail', rule: 'acme#credits' });
    expect(out[2]).toMatchObject({ rule: 'breeze#fallback-5xx' });
  });
});

describe('vendors, check, --help, --version', () => {
  it('vendors lists the five built-in policies, one line each', async () => {
    const run = await cli(['vendors']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(VENDORS);
  });

  it('vendors --json is one JSON array with the documented limits', async () => {
    const run = await cli(['vendors', '--json']);
    expect(run.status).toBe(0);
    const rows = JSON.parse(run.stdout) as Record<string, unknown>[];
    expect(rows.map((r) => r['vendor'])).toEqual(VENDORS);
    const zenhire = rows.find((r) => r['vendor'] === 'zenhire');
    expect(zenhire).toMatchObject({ requestsPerMinute: 500, maxConcurrent: 8, pollIntervalMs: 15_000 });
    for (const r of rows) expect(r['rules']).toEqual(expect.any(Number));
  });

  it('vendors with an unknown argument is a usage error', async () => {
    expectOneLineError(await cli(['vendors', '--yaml']), 2, /unknown argument "--yaml"/);
  });

  it('check ok → one ok line, exit 0', async () => {
    const run = await cli(['check', 'policies/breeze.json']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(
      /^ok: policies\/breeze\.json is a valid policy for "breeze" \(\d+ rules, \d+ envelopes\)\n$/,
    );
  });

  it('check of a bad file → one line naming file, field and problem, exit 1', async () => {
    const doc = JSON.parse(readFileSync(join(ROOT, 'policies/zenhire.json'), 'utf8')) as {
      rules: Record<string, unknown>[];
    };
    (doc.rules[2] as Record<string, unknown>)['action'] = 'explode';
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(doc));
    expectOneLineError(
      await cli(['check', file]),
      1,
      new RegExp(
        `^vendor-resilience: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: rules\\[2\\]\\.action: must be one of`,
      ),
    );
  });

  it('check without a file is a usage error', async () => {
    expectOneLineError(await cli(['check']), 2, /expected exactly one FILE/);
  });

  it('--help prints usage and exits 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const run = await cli([flag]);
      expect(run.status).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^vendor-resilience: /);
      for (const word of ['explain', '--batch', 'vendors', 'check FILE', '--json', '--body-file'])
        expect(run.stdout).toContain(word);
    }
  });

  it('no command prints usage and exits 2', async () => {
    const run = await cli([]);
    expect(run.status).toBe(2);
    expect(run.stdout).toContain('Usage:');
  });

  it('--version prints package.json version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = await cli(['--version']);
    expect(run).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});

describe('errors: one line on stderr, never a stack trace', () => {
  it.each([
    ['unknown vendor', ['explain', '--vendor', 'acme', '--status', '500'], 1, /"acme" is not a known vendor/],
    ['bad flag', ['explain', '--vendor', 'zenhire', '--status', '500', '--retry'], 2, /--retry/],
    ['missing --vendor', ['explain', '--status', '500'], 2, /--vendor is required/],
    [
      'non-numeric --status',
      ['explain', '--vendor', 'zenhire', '--status', 'abc'],
      2,
      /--status: expected an integer/,
    ],
    [
      'out-of-range --status',
      ['explain', '--vendor', 'zenhire', '--status', '700'],
      1,
      /status: must be an integer from 100 to 599/,
    ],
    [
      'bad --transport',
      ['explain', '--vendor', 'zenhire', '--status', '500', '--transport', 'smtp'],
      1,
      /transport/,
    ],
    ['a signal that reports nothing', ['explain', '--vendor', 'zenhire'], 1, /reports nothing/],
    [
      '--body with --body-file',
      ['explain', '--vendor', 'zenhire', '--status', '500', '--body', 'x', '--body-file', 'y'],
      2,
      /not both/,
    ],
    [
      'a header without a colon',
      ['explain', '--vendor', 'zenhire', '--status', '500', '--header', 'Retry-After 5'],
      2,
      /--header/,
    ],
    ['unknown command', ['explode'], 2, /unknown command "explode"/],
    [
      'positional argument',
      ['explain', '--vendor', 'zenhire', '--status', '500', 'extra'],
      2,
      /extra|positional/i,
    ],
    [
      'a policy path that does not exist',
      ['explain', '--vendor', './nope.json', '--status', '500'],
      1,
      /nope\.json: \(document\): cannot be read \(ENOENT\)/,
    ],
  ] as const)('%s', async (_name, args, exit, pattern) => {
    expectOneLineError(await cli(args), exit, pattern);
  });
});

describe('secrets never appear in the output (docs/design.md rule 8)', () => {
  const KEY = 'sk_live_XKEYCANARY111';
  const BEARER = 'BEARERCANARY222zzz';
  const QUERY = 'QUERYCANARY333yyy';
  const secretHeaders = ['--header', `x-api-key: ${KEY}`, '--header', `Authorization: Bearer ${BEARER}`];
  const bodyWithQuery = JSON.stringify({
    error: {
      code: 'INVALID_API_KEY',
      message: `invalid key for https://api.zenhire.ai/v1/analyze?api_key=${QUERY}&x=1`,
    },
  });
  const expectNoSecret = (run: Run): void => {
    const all = run.stdout + run.stderr;
    for (const secret of [KEY, BEARER, QUERY]) {
      // Not even a recognisable part of it.
      expect(all).not.toContain(secret.slice(0, 10));
    }
  };

  it('explain (human and --json) with secret headers and a ?api_key= URL in the body', async () => {
    for (const extra of [[], ['--json']]) {
      const run = await cli([
        'explain',
        '--vendor',
        'zenhire',
        '--status',
        '401',
        ...secretHeaders,
        '--body',
        bodyWithQuery,
        ...extra,
      ]);
      expect(run.status).toBe(0);
      expectNoSecret(run);
    }
  });

  it('error paths (unknown vendor, bad status) with secret headers', async () => {
    const a = await cli([
      'explain',
      '--vendor',
      'acme',
      '--status',
      '401',
      ...secretHeaders,
      '--body',
      bodyWithQuery,
    ]);
    expect(a.status).toBe(1);
    expectNoSecret(a);
    const b = await cli(['explain', '--vendor', 'zenhire', '--status', '999', ...secretHeaders]);
    expect(b.status).toBe(1);
    expectNoSecret(b);
  });

  it('a malformed --header carrying a credential is not echoed back', async () => {
    const run = await cli([
      'explain',
      '--vendor',
      'zenhire',
      '--status',
      '401',
      '--header',
      `Authorization Bearer ${BEARER}`,
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--header/);
    expectNoSecret(run);
  });

  it('--batch: good lines with secret headers, and a malformed line carrying a key', async () => {
    const good = JSON.stringify({
      vendor: 'zenhire',
      status: 401,
      headers: { 'x-api-key': KEY, authorization: `Bearer ${BEARER}` },
      body: bodyWithQuery,
    });
    const malformed = `{"vendor":"zenhire","status":401,"headers":{"x-api-key":${KEY}}}`;
    const run = await cli(['explain', '--batch'], `${good}\n${malformed}\n`);
    expect(run.status).toBe(1);
    const out = run.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(2);
    expect(JSON.parse(out[0] ?? '')).toMatchObject({ action: 'fail', code: 'INVALID_API_KEY' });
    expect(JSON.parse(out[1] ?? '')).toHaveProperty('error');
    expectNoSecret(run);
  });
});

describe('issue 13 item 8: the command line under an adversarial tester', () => {
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  describe('every command prints its own help on --help and -h (exit 0)', () => {
    it.each([
      ['explain', /vendor-resilience explain --vendor V/, /--policy FILE/],
      ['vendors', /vendor-resilience vendors \[--json\]/, /built-in policies/],
      ['check', /vendor-resilience check \[--\] FILE/, /every schema problem/],
    ] as const)('%s', async (command, usage, detail) => {
      for (const args of [
        [command, '--help'],
        [command, '-h'],
        ['help', command],
        // Help wins wherever it stands before `--`, even after other flags.
        ...(command === 'explain' ? [['explain', '--vendor', 'zenhire', '--help']] : []),
        ...(command === 'vendors' ? [['vendors', '--json', '-h']] : []),
      ]) {
        const run = await cli(args);
        expect({ args, status: run.status, stderr: run.stderr }).toEqual({ args, status: 0, stderr: '' });
        expect(run.stdout).toMatch(/^Usage:\n/);
        expect(run.stdout).toMatch(usage);
        expect(run.stdout).toMatch(detail);
      }
    });

    it('check -- --help checks a file named --help (and it does not exist)', async () => {
      expectOneLineError(
        await cli(['check', '--', '--help']),
        1,
        /--help: \(document\): cannot be read \(ENOENT\)/,
      );
    });

    it('check with an unknown option is a usage error, not a file name', async () => {
      expectOneLineError(
        await cli(['check', '--strict', 'policies/breeze.json']),
        2,
        /unknown option "--strict"/,
      );
    });

    it('the top-level help names --policy and the per-command help', async () => {
      const run = await cli(['--help']);
      expect(run.stdout).toContain('--policy FILE');
      expect(run.stdout).toContain('COMMAND --help');
    });
  });

  describe('check lists every schema problem', () => {
    it('one line per problem, each naming the file, the field and the problem; the first is the library message', async () => {
      const doc = acmeDoc() as { rules: Record<string, unknown>[] } & Record<string, unknown>;
      const rule = (i: number): Record<string, unknown> => doc.rules[i] as Record<string, unknown>;
      const match = (i: number): Record<string, unknown> => rule(i)['match'] as Record<string, unknown>;
      doc['title'] = 5;
      rule(2)['action'] = 'explode';
      match(3)['status'] = [700, 800];
      delete rule(5)['summary'];
      rule(6)['retryable'] = true;
      match(7)['phase'] = 'stram';
      const file = join(dir, 'many-problems.json');
      writeFileSync(file, JSON.stringify(doc, null, 2));
      const run = await cli(['check', file]);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).not.toContain('    at ');
      const lines = run.stderr.trimEnd().split('\n');
      const prefix = `vendor-resilience: ${file}: `;
      for (const line of lines) expect(line.startsWith(prefix)).toBe(true);
      const problems = lines.map((l) => l.slice(prefix.length));
      expect([...problems].sort()).toEqual(
        [
          'title: must be string',
          'rules[2].action: must be one of "ok", "retry", "backoff", "poll", "resubmit", "reconnect", "fail"',
          'rules[3].match.status[0]: must be <= 599',
          'rules[3].match.status[1]: must be <= 599',
          'rules[5].summary: is required but missing',
          'rules[6].retryable: is not a known field',
          'rules[7].match.phase: must be one of "submit", "poll", "stream"',
        ].sort(),
      );
      // The deepest problem leads, as in the library's one-line message.
      expect(problems[0]).toBe('rules[3].match.status[0]: must be <= 599');
    });

    it('a field name holding a newline stays on its line', async () => {
      const doc = acmeDoc();
      doc['bad\nvendor-resilience: forged'] = 1;
      doc['title'] = '';
      const file = join(dir, 'newline-key.json');
      writeFileSync(file, JSON.stringify(doc));
      const run = await cli(['check', file]);
      expect(run.status).toBe(1);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(run.stderr).toContain('bad\\u000avendor-resilience: forged: is not a known field');
    });
  });

  describe('non-regular and oversized files are refused unread, quickly', () => {
    const QUICK_MS = 8_000;
    let fifo = '';
    beforeAll(() => {
      fifo = join(dir, 'policy.fifo');
      const made = spawnSync('mkfifo', [fifo]);
      if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`);
    });

    it.each([
      [
        'check /dev/zero',
        () => ['check', '/dev/zero'],
        /\/dev\/zero: \(document\): is not a regular file \(a character device\)$/,
      ],
      ['check FIFO', () => ['check', fifo], /policy\.fifo: \(document\): is not a regular file \(a FIFO\)$/],
      [
        'explain --policy FIFO',
        () => ['explain', '--policy', fifo, '--status', '500'],
        /policy\.fifo: \(document\): is not a regular file \(a FIFO\)$/,
      ],
      [
        'explain --vendor FIFO (a path)',
        () => ['explain', '--vendor', fifo, '--status', '500'],
        /policy\.fifo: \(document\): is not a regular file \(a FIFO\)$/,
      ],
      [
        'explain --batch --policy /dev/zero',
        () => ['explain', '--batch', '--policy', '/dev/zero'],
        /\/dev\/zero: \(document\): is not a regular file/,
      ],
      [
        'check a directory',
        () => {
          const sub = join(dir, 'a-directory.json');
          if (!existsSync(sub)) mkdirSync(sub);
          return ['check', sub];
        },
        /a-directory\.json: \(document\): cannot be read \(EISDIR\)$/,
      ],
      [
        'check a file over 1 MiB',
        () => {
          const big = join(dir, 'big.json');
          writeFileSync(big, JSON.stringify(acmeDoc()) + ' '.repeat(1024 * 1024));
          return ['check', big];
        },
        /big\.json: \(document\): is \d+ bytes; a policy file may be at most 1048576$/,
      ],
      [
        'explain --body-file /dev/zero (pipes are allowed, so the read is bounded)',
        () => ['explain', '--vendor', 'zenhire', '--status', '500', '--body-file', '/dev/zero'],
        /--body-file: \/dev\/zero holds more than 8388608 bytes$/,
      ],
    ] as const)(
      '%s',
      async (_name, args, pattern) => {
        expectOneLineError(await cli(args(), '', QUICK_MS), 1, pattern);
      },
      QUICK_MS + 2_000,
    );
  });

  describe('a file never becomes a vendor by being named in a batch line, and is never quoted', () => {
    const CANARY = 'sk_live_FILECANARY444';

    it('a batch line whose vendor is a path is refused without opening it (a FIFO would hang the read)', async () => {
      const fifo = join(dir, 'vendor.fifo');
      if (!existsSync(fifo)) expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const secret = join(dir, 'passwd');
      writeFileSync(secret, `root:${CANARY}:0:0:root:/root:/bin/bash\n`);
      const input = [fifo, secret, '/etc/passwd']
        .map((vendor) => JSON.stringify({ vendor, status: 500 }))
        .join('\n');
      const run = await cli(['explain', '--batch'], input, 8_000);
      expect(run.status).toBe(1);
      expect(run.stderr).toBe('');
      const out = run.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(out).toHaveLength(3);
      out.forEach((line, i) => {
        expect(Object.keys(line)).toEqual(['error']);
        expect(line['error']).toMatch(
          new RegExp(`^line ${i + 1}: signal\\.vendor: ".*" is not a known vendor .*--policy FILE`),
        );
      });
      expect(run.stdout).not.toContain('FILECANARY');
      expect(run.stdout).not.toContain('root:');
    }, 10_000);

    it('--vendor PATH is refused in batch mode (use --policy)', async () => {
      const file = join(dir, 'acme-batch.json');
      writeFileSync(file, JSON.stringify(acmeDoc()));
      expectOneLineError(
        await cli(['explain', '--batch', '--vendor', file]),
        2,
        /--batch: --vendor takes a vendor name; .*--policy FILE/,
      );
    });

    it.each([
      ['not JSON at all', `root:${CANARY}:0:0:root:/root:/bin/bash\n`],
      ['JSON-like with a bare key', `{"apiKey": ${CANARY}}`],
      ['cut short', `{"apiKey": "${CANARY}`],
    ])('a policy file that is %s is named, never quoted', async (_name, content) => {
      const file = join(dir, `not-a-policy-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, content);
      for (const args of [
        ['check', file],
        ['explain', '--policy', file, '--status', '500'],
        ['explain', '--vendor', file, '--status', '500'],
      ]) {
        const run = await cli(args);
        expectOneLineError(run, 1, new RegExp(`${escape(file)}: \\(document\\): is not valid JSON \\(`));
        expect(run.stderr).not.toContain('FILECANARY');
        expect(run.stderr).not.toContain('apiKey');
        expect(run.stderr).not.toContain('root');
      }
    });
  });

  describe('--vendor and --policy are the default vendor of batch lines', () => {
    const lines = [
      JSON.stringify({
        status: 502,
        body: JSON.stringify({ ok: false, code: 'UPSTREAM_GENERATION_ERROR', detail: 'x' }),
      }),
      JSON.stringify({ vendor: 'gradium', transport: 'ws', closeCode: 1011 }),
    ].join('\n');

    it('--vendor breeze: a line without vendor is breeze; a line with one keeps it', async () => {
      const run = await cli(['explain', '--batch', '--vendor', 'breeze'], lines);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const out = run.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Decision);
      expect(out.map((d) => d.rule.split('#')[0])).toEqual(['breeze', 'gradium']);
      expect(out[0]?.code).toBe('UPSTREAM_GENERATION_ERROR');
    });

    it('--policy FILE alone: lines without vendor use its vendor', async () => {
      const file = join(dir, 'acme-default.json');
      writeFileSync(file, JSON.stringify(acmeDoc()));
      const run = await cli(
        ['explain', '--batch', '--policy', file],
        JSON.stringify({ status: 402, body: '{"error":{"code":"INSUFFICIENT_CREDITS"}}' }),
      );
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ action: 'fail', rule: 'acme#credits' });
    });

    it('without a default, a line without vendor is a bad line', async () => {
      const run = await cli(['explain', '--batch'], JSON.stringify({ status: 500 }));
      expect(run.status).toBe(1);
      expect(JSON.parse(run.stdout)).toEqual({ error: expect.stringMatching(/^line 1: signal\.vendor: /) });
    });

    it('an unknown --vendor is refused before any line is read', async () => {
      expectOneLineError(
        await cli(['explain', '--batch', '--vendor', 'acme'], lines),
        1,
        /--vendor: "acme" is not a known vendor/,
      );
    });

    it('a signal flag next to --batch is a usage error, not silently ignored', async () => {
      expectOneLineError(
        await cli(['explain', '--batch', '--status', '500'], lines),
        2,
        /--status describes one signal/,
      );
    });
  });

  describe('vendor names are case-insensitive', () => {
    it('--vendor Breeze decides, and reports, as breeze', async () => {
      const body = JSON.stringify({ ok: false, code: 'UPSTREAM_GENERATION_SERVICE_ERROR', detail: 'x' });
      for (const name of ['Breeze', 'BREEZE']) {
        const d = json(await cli(['explain', '--vendor', name, '--status', '502', '--body', body, '--json']));
        expect(d).toMatchObject({ action: 'fail', rule: 'breeze#upstream-generation-service-error' });
      }
      const human = await cli(['explain', '--vendor', 'Breeze', '--status', '502', '--body', body]);
      expect(human.status).toBe(0);
      expect(human.stdout).toContain('breeze#upstream-generation-service-error; source: ');
    });

    it('batch lines and the batch default too', async () => {
      const input = [
        JSON.stringify({ vendor: 'GRADIUM', transport: 'ws', closeCode: 1011 }),
        JSON.stringify({ status: 500 }),
      ].join('\n');
      const run = await cli(['explain', '--batch', '--vendor', 'ZenHire'], input);
      expect(run.status).toBe(0);
      const out = run.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Decision);
      expect(out.map((d) => d.rule.split('#')[0])).toEqual(['gradium', 'zenhire']);
    });

    it('--policy FILE --vendor ACME picks the policy file by its vendor name', async () => {
      const file = join(dir, 'acme-case.json');
      writeFileSync(file, JSON.stringify(acmeDoc()));
      const d = json(
        await cli([
          'explain',
          '--policy',
          file,
          '--vendor',
          'ACME',
          '--status',
          '402',
          '--body',
          '{"error":{"code":"INSUFFICIENT_CREDITS"}}',
          '--json',
        ]),
      );
      expect(d.rule).toBe('acme#credits');
    });

    it('--vendor PATH still names a policy file outside --batch', async () => {
      const file = join(dir, 'acme-single.json');
      writeFileSync(file, JSON.stringify(acmeDoc()));
      const d = json(
        await cli([
          'explain',
          '--vendor',
          file,
          '--status',
          '402',
          '--body',
          '{"error":{"code":"INSUFFICIENT_CREDITS"}}',
          '--json',
        ]),
      );
      expect(d.rule).toBe('acme#credits');
    });
  });
});
