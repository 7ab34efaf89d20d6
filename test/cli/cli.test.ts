import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVendorEngine } from '../../lib/default-engine.js';
import type { Decision } from '../../lib/engine/index.js';

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

function cli(args: readonly string[], input?: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
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

  it('accepts a policy-file path as vendor', async () => {
    const doc = JSON.parse(readFileSync(join(ROOT, 'policies/zenhire.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    delete doc['$schema'];
    doc['vendor'] = 'acme';
    const file = join(dir, 'acme.json');
    writeFileSync(file, JSON.stringify(doc));
    const input = [
      JSON.stringify({ vendor: file, status: 429, body: '{"error":{"code":"RATE_LIMIT_EXCEEDED"}}' }),
      JSON.stringify({ vendor: file, status: 402, body: '{"error":{"code":"INSUFFICIENT_CREDITS"}}' }),
      JSON.stringify({ vendor: join(dir, 'missing.json'), status: 500 }),
    ].join('\n');
    const run = await cli(['explain', '--batch'], input);
    expect(run.status).toBe(1);
    const out = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({ action: 'backoff', rule: 'acme#rate-limit' });
    expect(out[1]).toMatchObject({ action: 'fail', rule: 'acme#credits' });
    expect(out[2]?.['error']).toMatch(/^line 3: .*missing\.json: \(document\): cannot be read \(ENOENT\)$/);
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

describe('secrets never appear in the output (DESIGN.md rule 8)', () => {
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
