import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resilientFetch } from '../../../lib/adapters/fetch/index.js';
import { createEngine } from '../../../lib/core/engine/engine.js';
import { jsonErrorIndex } from '../../../lib/core/policy/json-error-index.js';
import { isPolicyError, type PolicyError } from '../../../lib/core/policy/policy-error.js';
import { compilePolicy, loadPolicyFile } from '../../../lib/core/policy/user-policy.js';

/**
 * An adversarial pass over policies as data: what a policy file (or a chain of them) can make the
 * loader and the library do. Every case here was a failure of the code it was written against;
 * each says what went wrong and why.
 */

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vr-policy-adversarial-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What `load` threw (or `undefined`). */
function thrownBy(load: () => unknown): unknown {
  try {
    load();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('extends: a deep chain', () => {
  // Each level of `extends` recursed through compilePolicyIn → compileExtendingPolicy → loadBase,
  // with no bound on the depth: a chain of a few thousand files overflowed the stack, and the
  // loader threw a RangeError ("Maximum call stack size exceeded") naming neither a file nor a field
  // (the command line printed it as an internal error).
  it('a chain of 6000 files is refused with a PolicyError on `extends`, not a stack overflow', () => {
    const depth = 6000;
    // Files f0 … f2000: f0 extends the built-in zenhire, each later one the one before it.
    const at = (i: number): string => join(dir, `chain-f${i}.json`);
    writeFileSync(at(0), JSON.stringify({ extends: 'zenhire' }));
    for (let i = 1; i <= depth; i++)
      writeFileSync(at(i), JSON.stringify({ extends: `./chain-f${i - 1}.json` }));
    const error = thrownBy(() => loadPolicyFile(at(depth)));
    expect(error).toBeDefined();
    expect((error as Error).name).not.toBe('RangeError');
    expect(isPolicyError(error)).toBe(true);
    const policyError = error as PolicyError;
    expect(policyError.field).toBe('extends');
    expect(policyError.file).toMatch(/chain-f\d+\.json$/);
    expect(policyError.problem).toMatch(/deep|levels|chain/);
  });

  it('a short chain still loads (the bound is far above what people write)', () => {
    const at = (i: number): string => join(dir, `short-f${i}.json`);
    writeFileSync(at(0), JSON.stringify({ extends: 'zenhire', title: 'level 0' }));
    for (let i = 1; i <= 10; i++) writeFileSync(at(i), JSON.stringify({ extends: `./short-f${i - 1}.json` }));
    const policy = loadPolicyFile(at(10));
    expect(policy.title).toBe('level 0');
    expect(policy.files).toHaveLength(12);
  });
});

describe('a wait a policy allows that is longer than a Node timer', () => {
  // A policy may clamp server waits at any `serverWait.maxMs` (the schema bounds it below only),
  // and the engine then decides a `delayMs` of years. Node's setTimeout takes at most 2^31 - 1 ms
  // (~24.8 days); a longer delay is set to 1 ms (with a TimeoutOverflowWarning). lib/run/sleep.ts
  // passed the delay to setTimeout as it was, so a "wait three years" decision resent the request
  // at once: the opposite of what the server and the policy asked for.
  const LONG_CAP_POLICY = {
    extends: 'zenhire',
    serverWait: { maxMs: 1e12, overCap: 'clamp' },
  } as const;

  it('the engine decides a wait far beyond 2^31 - 1 ms (the precondition)', () => {
    const engine = createEngine({ policies: [compilePolicy(LONG_CAP_POLICY)], random: () => 0 });
    const decision = engine.decide({
      vendor: 'zenhire',
      status: 429,
      headers: { 'retry-after': '99999999' },
    });
    expect(decision.action).toBe('backoff');
    expect(decision.delayMs).toBe(99_999_999_000);
  });

  let server: Server;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((_request, response) => {
      requests++;
      response.writeHead(429, { 'retry-after': '99999999', 'content-type': 'application/json' });
      response.end('{}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  });
  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('resilientFetch under that policy does not send again within 300 ms', async () => {
    requests = 0;
    const { port } = server.address() as AddressInfo;
    const fetch = resilientFetch(compilePolicy(LONG_CAP_POLICY), { pacing: false });
    const controller = new AbortController();
    const call = fetch(`http://127.0.0.1:${port}/v1/analyze`, { signal: controller.signal });
    const settled = call.then(
      () => 'resolved',
      (error: unknown) => (controller.signal.aborted ? 'aborted' : `rejected: ${String(error)}`),
    );
    await new Promise((done) => setTimeout(done, 300));
    const sentWithin300Ms = requests;
    controller.abort();
    const outcome = await settled;
    expect(sentWithin300Ms).toBe(1);
    expect(outcome).toBe('aborted');
  });
});

describe('the pattern check itself is bounded', () => {
  // patternHazard bounds the states it explores (MAX_STATES) and the positions (MAX_POSITIONS), but
  // not the work per state: a pattern of a thousand optional characters (each position follows
  // every later one, so a state's step touches about a million edges) took about 8 s to check on
  // an idle machine, most of it proving that a walk without search restarts stays bounded. The
  // size of a policy's patterns is not limited, nor their number, so one policy file could hold
  // `check` (or the first load of the policy) for many minutes.
  it('a pattern of 999 optional characters is accepted or refused within 5 s', () => {
    const pattern = Array.from({ length: 999 }, (_, i) => `${String.fromCharCode(0x4e00 + i)}?`).join('');
    const started = performance.now();
    const error = thrownBy(() =>
      compilePolicy({ extends: 'zenhire', serverWait: { messagePatterns: [pattern] } }),
    );
    const elapsedMs = performance.now() - started;
    if (error !== undefined) {
      expect(isPolicyError(error)).toBe(true);
      expect((error as PolicyError).field).toBe('serverWait.messagePatterns[0]');
    }
    // About 0.7 s on an idle machine once bounded (building its million-edge graph is most of it);
    // the bound leaves room for a loaded one.
    expect(elapsedMs).toBeLessThan(5000);
  });
});

describe('extends: a cycle through a symbolic link', () => {
  // The cycle check compared paths as written (path.resolve), which a symbolic link defeats: with
  // `sub` a link to its own directory, a.json extending ./sub/a.json names the same file by an
  // ever longer path (sub/a.json, sub/sub/a.json, …), each new to the check. The load went on until
  // the system refused the path (ELOOP, 40 links deep), and then the chain bound: either way the
  // error never said "cycle", though it is one.
  it('a file that extends itself through a linked directory is refused as a cycle', () => {
    const linked = join(dir, 'linked');
    mkdirSync(linked);
    symlinkSync('.', join(linked, 'sub'));
    writeFileSync(join(linked, 'a.json'), JSON.stringify({ extends: './sub/a.json' }));
    const error = thrownBy(() => loadPolicyFile(join(linked, 'a.json')));
    expect(isPolicyError(error)).toBe(true);
    const policyError = error as PolicyError;
    expect(policyError.field).toBe('extends');
    expect(policyError.problem).toMatch(/^names "\.\/sub\/a\.json", which makes a cycle/);
  });

  it('a file that extends a link to itself is refused as a cycle naming both names', () => {
    const linked = join(dir, 'linked-file');
    mkdirSync(linked);
    symlinkSync('b.json', join(linked, 'c.json'));
    writeFileSync(join(linked, 'b.json'), JSON.stringify({ extends: './c.json' }));
    const error = thrownBy(() => loadPolicyFile(join(linked, 'b.json')));
    expect(isPolicyError(error)).toBe(true);
    const policyError = error as PolicyError;
    expect(policyError.file).toBe(join(linked, 'b.json'));
    expect(policyError.field).toBe('extends');
    expect(policyError.problem).toMatch(
      /^names "\.\/c\.json", which makes a cycle \(.*b\.json → .*c\.json\)$/,
    );
  });
});

describe('tryDecide never throws, whatever the input does when read', () => {
  // tryDecide catches what reading the input throws and reports it as `String(error)` when it is
  // not an Error; a thrown value that cannot become a string (an object without a prototype) made
  // that report throw a TypeError ("Cannot convert object to primitive value") out of tryDecide.
  const engine = createEngine({ policies: [compilePolicy({ extends: 'zenhire' })] });
  const unprintable = (): never => {
    throw Object.create(null) as unknown as Error;
  };
  const inputs: [string, unknown][] = [
    [
      'a getter that throws an object without a prototype',
      {
        get vendor(): string {
          return unprintable();
        },
      },
    ],
    ['a proxy whose traps throw one', new Proxy({}, { ownKeys: unprintable, get: unprintable })],
    [
      'headers whose keys cannot be listed',
      { vendor: 'zenhire', status: 429, headers: new Proxy({}, { ownKeys: unprintable }) },
    ],
  ];
  it.each(inputs)('%s: a result with a string error', (_title, input) => {
    let result: ReturnType<typeof engine.tryDecide> | undefined;
    expect(() => {
      result = engine.tryDecide(input);
    }).not.toThrow();
    expect(result?.ok).toBe(false);
    expect(typeof (result as { error?: unknown } | undefined)?.error).toBe('string');
  });
});

describe('a policy file saved with a byte order mark', () => {
  // Editors on Windows save UTF-8 with a byte order mark (EF BB BF). JSON.parse refuses it, and
  // V8's message for it carries no position, so the file was refused as "is not valid JSON (an
  // unexpected character)": no line, no column, nothing to look for. Node's own require() of a
  // .json file skips the mark (RFC 8259 §8.1 lets a parser ignore it).
  it('loads like the same file without it', () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, `\uFEFF${JSON.stringify({ extends: 'zenhire', title: 'with a BOM' })}`);
    expect(loadPolicyFile(file).title).toBe('with a BOM');
  });
});

describe('where a file stops being JSON', () => {
  // readPolicyDocument turns JSON.parse's message into a line and column, but only when V8's
  // message holds a position. For an unexpected token (a single-quoted string, a bare word, NaN,
  // the commonest slips in a hand-written file) V8's message quotes the text and gives no
  // position, so the file is refused as "is not valid JSON (an unexpected character)" with nothing
  // to say where. lib/core/policy/json-error-index.ts finds it.
  it.each([
    ['a single-quoted string', `{\n  "extends": 'zenhire'\n}`, 'line 2, column 14'],
    ['a bare word', `{\n  "extends": "zenhire",\n  "title": ZenHire\n}`, 'line 3, column 12'],
  ])('%s is placed by line and column', (_title, text, where) => {
    const file = join(dir, 'not-json.json');
    writeFileSync(file, text);
    const error = thrownBy(() => loadPolicyFile(file));
    expect(isPolicyError(error)).toBe(true);
    expect((error as PolicyError).problem).toBe(`is not valid JSON (at ${where})`);
  });

  // The scanner that finds the position must agree with V8 wherever V8 says where: JSON texts
  // with one character inserted, deleted or replaced.
  it('the position found agrees with the one V8 gives, and valid JSON has none', () => {
    const slip = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), fc.constantFrom(...SLIPS))
      .map(([text, k, edit, c]) => {
        const at = k % (text.length + 1);
        if (edit === 'insert') return text.slice(0, at) + c + text.slice(at);
        return text.slice(0, at) + (edit === 'replace' ? c : '') + text.slice(at + 1);
      });
    fc.assert(
      fc.property(fc.oneof(fc.json(), slip), (text) => {
        let message: string | undefined;
        try {
          JSON.parse(text);
        } catch (error) {
          message = (error as Error).message;
        }
        const found = jsonErrorIndex(text);
        if (message === undefined) {
          expect(found).toBeUndefined();
          return;
        }
        expect(found).toBeDefined();
        const v8 = /position (\d+)/.exec(message)?.[1];
        if (v8 !== undefined) expect(found).toBe(Number(v8));
        else if (message.includes('end of JSON')) expect(found).toBe(text.length);
      }),
      { numRuns: 3000 },
    );
  });
});

/** Characters a hand-edited JSON file gets wrong. */
const SLIPS = [...'{}[],:"\\ \n\tabefnrtu0189.-+eE\'\u0001x/'];

describe("a rule id that is one of the engine's own decision names", () => {
  // A decision names its rule `vendor#id`; the engine names its own decisions the same way
  // (`zenhire#fallback-5xx` when no rule matched; `#deadline`, `#retry-budget`, `#cluster-pacing`,
  // `#ws-connected` from the adapters). The id pattern allowed a policy rule named `fallback-5xx`:
  // its decisions and the fallback's then carried the same `rule`, and `explain` credited the
  // fallback's decision to the policy's rule (its file and source), since it looks the rule up by id.
  const rule = (id: string): object => ({
    id,
    match: { status: 599 },
    action: 'fail',
    category: 'custom',
    summary: 'our own 599',
    source: 'our notes',
  });
  it.each([
    'fallback-5xx',
    'fallback-anything',
    'deadline',
    'retry-budget',
    'cluster-pacing',
    'ws-connected',
  ])('the id %s is refused at load, on the rule that uses it', (id) => {
    const error = thrownBy(() => compilePolicy({ extends: 'zenhire', rules: [rule(id)] }, 'mine.json'));
    expect(isPolicyError(error)).toBe(true);
    const policyError = error as PolicyError;
    expect({ file: policyError.file, field: policyError.field }).toEqual({
      file: 'mine.json',
      field: 'rules[0].id',
    });
    expect(policyError.problem).toMatch(/reserved/);
  });
});

describe('a refused pattern is refused for the right reason', () => {
  // A bounded repetition (`\d{1,16}`) keeps at most a fixed number of partial matches alive: a
  // search over it takes linear time (64 KiB of digits: ~7 ms for `\d{1,16}x`, 4× the text 4× the
  // time). It is refused (more partial matches than LIVE_PATH_LIMIT allows), but the check took
  // "more than GROWTH_LIMIT (12)" for "grows with the text" and told the author the pattern "can
  // backtrack quadratically … time grows with the square of the text's length": a problem it does
  // not have, and a fix (anchoring) aimed at one.
  it.each(['\\d{1,16}x', '(\\d{1,9})\\s?(ms|s|min)'])('%s is not said to grow with the text', (pattern) => {
    const error = thrownBy(() =>
      compilePolicy({ extends: 'zenhire', serverWait: { messagePatterns: [pattern] } }),
    );
    expect(isPolicyError(error)).toBe(true);
    const problem = (error as PolicyError).problem;
    expect(problem).not.toMatch(/quadratic|polynomial|exponential|square|grows with/);
    expect(problem).toMatch(/keeps too many partial matches alive/);
  });
});

describe('extends: a built-in name in another case', () => {
  // Built-in names are exact and lower case: `"extends": "Breeze"` was refused with the list of
  // names, but without saying which one was meant (the command line accepts `--vendor Breeze`).
  it('is refused, naming the built-in that was meant', () => {
    const error = thrownBy(() => compilePolicy({ extends: 'Breeze' }));
    expect(isPolicyError(error)).toBe(true);
    const policyError = error as PolicyError;
    expect(policyError.field).toBe('extends');
    expect(policyError.problem).toMatch(
      /^names "Breeze", which is not a built-in policy \(did you mean "breeze"\?/,
    );
  });
});
