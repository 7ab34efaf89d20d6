/**
 * Wrong arguments from JavaScript (issue 13 item 9): every public function checks its arguments
 * up front and throws a `TypeError` reading `fn(argument): expected …; got …`, instead of an
 * error about the library's internals ("Cannot use 'in' operator", "reading 'submitPath'").
 */
import { describe, expect, it, test } from '@jest/globals';
import { Readable } from 'node:stream';
import { computedBackoffMs, scheduledPollIntervalMs } from '../../lib/core/engine/backoff.js';
import { decide } from '../../lib/core/engine/decide.js';
import { createEngine } from '../../lib/core/engine/engine.js';
import { formatMs } from '../../lib/core/engine/reason.js';
import { parseRetryAfterMs } from '../../lib/core/engine/server-wait.js';
import { redactHeaders, redactText } from '../../lib/run/redact.js';
import { ndjsonLines } from '../../lib/adapters/got/ndjson-lines.js';
import { createVendorEngine, VendorError } from '../../lib/index.js';
import { createPacing } from '../../lib/pacing/index.js';
import { builtinPolicy } from '../../lib/core/policy/load.js';
import { resolvePolicy } from '../../lib/core/policy/user-policy.js';
import {
  presetJob,
  readVendorMessages,
  runVendorJob,
  vendorResilience,
} from '../../lib/adapters/got/index.js';
import { createResilientWebSocket, messageTypeIs } from '../../lib/adapters/ws/index.js';
import { createManualClock, loadFaultPlan, startVendorSimulator } from '../../lib/testing/index.js';
import { describeValue } from '../../lib/run/validate-arguments.js';

const POLICY_EXPECTED =
  'expected a built-in vendor name, a policy file path, a policy document or a compiled policy';
const KEY = 'sk-live-0123456789abcdef0123456789';
const WS_URL = 'ws://127.0.0.1:1/';
const HTTP_URL = 'http://127.0.0.1:1/api/post/speech/asr';
const gradium = builtinPolicy('gradium');
const env = { clock: { now: () => 0 }, random: () => 0.5 };
const signal = { vendor: 'gradium', status: 500 };
const spec = { submit: () => ({ url: HTTP_URL }), jobId: () => 'j', poll: () => ({ url: HTTP_URL }) };
const openSession = createResilientWebSocket('gradium', { url: WS_URL });

/**
 * What a call threw: synchronously, as a rejected promise (async functions), or at the first
 * `next()` (async generators, whose bodies start there).
 */
async function thrownBy(call: () => unknown): Promise<unknown> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return error;
  }
  const iterator = result as { next?: () => Promise<unknown> } | undefined;
  const pending = typeof iterator?.next === 'function' ? iterator.next() : result;
  try {
    await pending;
  } catch (error) {
    return error;
  }
  throw new Error('the call did not throw');
}

/** [the message's start: function and argument, the wrong call]. */
const CASES: readonly (readonly [string, () => unknown])[] = [
  // vendor-resilience
  [
    'createVendorEngine(options): expected an options object or undefined; got null',
    () => createVendorEngine(null as never),
  ],
  [
    'createVendorEngine(options.policies): expected an array',
    () => createVendorEngine({ policies: 'gradium' as never }),
  ],
  [
    `createVendorEngine(options.policies[0]): ${POLICY_EXPECTED}; got number 42`,
    () => createVendorEngine({ policies: [42 as never] }),
  ],
  [
    'createVendorEngine(options.policies[1]): expected',
    () => createVendorEngine({ policies: ['gradium', null as never] }),
  ],
  [
    'createVendorEngine(options.clock): expected a clock',
    () => createVendorEngine({ clock: Date.now as never }),
  ],
  [
    'createVendorEngine(options.random): expected a function',
    () => createVendorEngine({ random: 0.5 as never }),
  ],
  ['createEngine(options): expected an options object', () => createEngine(undefined as never)],
  [
    'createEngine(options.policies): expected an array of compiled policies or a resolver',
    () => createEngine({ policies: 42 as never }),
  ],
  [
    'createEngine(options.policies[0]): expected a compiled policy',
    () => createEngine({ policies: ['gradium' as never] }),
  ],
  [
    'createEngine(options.clock): expected a clock',
    () => createEngine({ policies: [gradium], clock: {} as never }),
  ],
  ['decide(policy): expected a compiled policy', () => decide('gradium' as never, signal, env)],
  ['decide(signal): expected a signal object', () => decide(gradium, null as never, env)],
  ['decide(env): expected an environment', () => decide(gradium, signal, {} as never)],
  ['parseRetryAfterMs(value): expected a string; got number 30', () => parseRetryAfterMs(30 as never, 0)],
  [
    'parseRetryAfterMs(nowMs): expected a finite number',
    () => (parseRetryAfterMs as (value: string) => unknown)('30'),
  ],
  ['computedBackoffMs(backoff): expected', () => computedBackoffMs(null as never, 1, Math.random)],
  [
    'computedBackoffMs(attempt): expected a number; got a string of 1 character',
    () => computedBackoffMs(gradium.backoff, '1' as never, Math.random),
  ],
  [
    'computedBackoffMs(random): expected a function; got number 0.5',
    () => computedBackoffMs(gradium.backoff, 1, 0.5 as never),
  ],
  [
    'scheduledPollIntervalMs(policy): expected a compiled policy',
    () => scheduledPollIntervalMs('zenhire' as never, 1),
  ],
  ['formatMs(ms): expected a number of milliseconds', () => formatMs('1500' as never)],
  ['new VendorError(init): expected an object', () => new VendorError(null as never)],
  [
    'new VendorError(init.decision): expected a decision',
    () => new VendorError({ vendor: 'x', attempts: 1, decision: undefined as never }),
  ],
  ['redactText(text): expected a string; got undefined', () => redactText(undefined as never)],
  ['redactText(extraSecrets): expected an array of strings', () => redactText('text', KEY as never)],
  [
    'redactHeaders(headers): expected a headers object',
    () => redactHeaders('authorization: Bearer x' as never),
  ],
  // vendor-resilience/http
  [`vendorResilience(policy): ${POLICY_EXPECTED}; got null`, () => vendorResilience(null as never)],
  [`vendorResilience(policy): ${POLICY_EXPECTED}; got number 42`, () => vendorResilience(42 as never)],
  [
    'vendorResilience(options): expected an options object or undefined; got null',
    () => vendorResilience('gradium', null as never),
  ],
  [
    'vendorResilience(options): expected an options object or undefined; got a string',
    () => vendorResilience('gradium', 'zenhire' as never),
  ],
  [
    'vendorResilience(options.signal): expected an AbortSignal',
    () => vendorResilience('gradium', { signal: {} as never }),
  ],
  [
    'vendorResilience(options.onDecision): expected a function',
    () => vendorResilience('gradium', { onDecision: 'log' as never }),
  ],
  [
    'vendorResilience(options.attemptHeaders): expected a function',
    () => vendorResilience('gradium', { attemptHeaders: {} as never }),
  ],
  [
    'vendorResilience(options.deadlineMs): expected a number',
    () => vendorResilience('gradium', { deadlineMs: '5000' as never }),
  ],
  [
    'vendorResilience(options.secrets): expected an array of strings',
    () => vendorResilience('gradium', { secrets: KEY as never }),
  ],
  [
    'vendorResilience(options.secrets[1]): expected a string',
    () => vendorResilience('gradium', { secrets: [KEY, 7 as never] }),
  ],
  [
    'vendorResilience(options.pacing): expected a pacing',
    () => vendorResilience('gradium', { pacing: {} as never }),
  ],
  [
    'vendorResilience(options.clock): expected a clock',
    () => vendorResilience('gradium', { clock: 5 as never }),
  ],
  [
    'vendorResilience(options.clock): expected a clock ({ now(): number, sleep?(delayMs, options) })',
    () => vendorResilience('gradium', { clock: { now: () => 0, sleep: 1 } as never }),
  ],
  [
    'vendorResilience(options.engine): expected an engine',
    () => vendorResilience('gradium', { engine: {} as never }),
  ],
  ['runVendorJob(policy): expected', () => runVendorJob(null as never, spec)],
  ['runVendorJob(spec): expected a job spec', () => runVendorJob('zenhire', null as never)],
  [
    'runVendorJob(spec.poll): expected a function; got undefined',
    () => runVendorJob('zenhire', { ...spec, poll: undefined as never }),
  ],
  [
    'runVendorJob(options.got): expected a got instance',
    () => runVendorJob('zenhire', spec, { got: {} as never }),
  ],
  [
    'runVendorJob(options.signal): expected an AbortSignal',
    () => runVendorJob('zenhire', spec, { signal: true as never }),
  ],
  [
    'presetJob(vendor): expected one of "audixa", "breeze", "zenhire"; got "gradium"',
    () => presetJob('gradium' as never, {} as never),
  ],
  ['presetJob(vendor): expected one of', () => presetJob(undefined as never, { submit: {} })],
  ['presetJob(init): expected an object', () => presetJob('zenhire', null as never)],
  ['presetJob(init.submit): expected got options', () => presetJob('zenhire', {} as never)],
  [
    'presetJob(init.voiceId): expected a voice id string (the breeze submit path is',
    () => presetJob('breeze', { submit: {} }),
  ],
  [
    'presetJob(init.baseUrl): expected a string or undefined; got number 42',
    () => presetJob('zenhire', { submit: {}, baseUrl: 42 as never }),
  ],
  ['readVendorMessages(policy): expected', () => readVendorMessages(undefined as never, HTTP_URL)],
  [
    'readVendorMessages(url): expected a string or a URL; got number 42',
    () => readVendorMessages('gradium', 42 as never),
  ],
  [
    'readVendorMessages(options.request): expected an options object',
    () => readVendorMessages('gradium', HTTP_URL, { request: 'POST' as never }),
  ],
  [
    'readVendorMessages(options.maxLineBytes): expected a number',
    () => readVendorMessages('gradium', HTTP_URL, { maxLineBytes: '1' as never }),
  ],
  [
    'readVendorMessages(options.got): expected a got instance',
    () => readVendorMessages('gradium', HTTP_URL, { got: (() => 1) as never }),
  ],
  ['ndjsonLines(source): expected an async iterable', () => ndjsonLines(null as never)],
  ['ndjsonLines(source): expected an async iterable', () => ndjsonLines('{"a":1}\n' as never)],
  [
    'ndjsonLines(maxLineBytes): expected a whole number ≥ 1; got number 0',
    () => ndjsonLines(Readable.from([]), 0),
  ],
  // vendor-resilience/ws
  [
    `createResilientWebSocket(policy): ${POLICY_EXPECTED}; got undefined`,
    () => createResilientWebSocket(undefined as never, { url: WS_URL }),
  ],
  [
    'createResilientWebSocket(options): expected an options object',
    () => createResilientWebSocket('gradium', null as never),
  ],
  [
    'createResilientWebSocket(options.url): expected a string, a URL or a function',
    () => createResilientWebSocket('gradium', { url: 42 as never }),
  ],
  [
    'createResilientWebSocket(options.headers): expected a headers object',
    () => createResilientWebSocket('gradium', { url: WS_URL, headers: `x-api-key: ${KEY}` as never }),
  ],
  [
    'createResilientWebSocket(options.protocols): expected a string',
    () => createResilientWebSocket('gradium', { url: WS_URL, protocols: [1] as never }),
  ],
  [
    'createResilientWebSocket(options.setup): expected a function',
    () => createResilientWebSocket('gradium', { url: WS_URL, setup: '{"type":"setup"}' as never }),
  ],
  [
    'createResilientWebSocket(options.replay): expected a boolean',
    () => createResilientWebSocket('gradium', { url: WS_URL, replay: 'yes' as never }),
  ],
  [
    'createResilientWebSocket(options.signal): expected an AbortSignal',
    () => createResilientWebSocket('gradium', { url: WS_URL, signal: 1 as never }),
  ],
  [
    'createResilientWebSocket(options.secrets): expected an array of strings',
    () => createResilientWebSocket('gradium', { url: WS_URL, secrets: KEY as never }),
  ],
  [
    'createResilientWebSocket(options.deadlineMs): expected a positive number of milliseconds',
    () => createResilientWebSocket('gradium', { url: WS_URL, deadlineMs: 0 }),
  ],
  [
    'createResilientWebSocket(options.onDecision): expected a function',
    () => createResilientWebSocket('gradium', { url: WS_URL, onDecision: 5 as never }),
  ],
  [
    'createResilientWebSocket(options.wsOptions): expected an options object',
    () => createResilientWebSocket('gradium', { url: WS_URL, wsOptions: 5 as never }),
  ],
  [
    'createResilientWebSocket(options.pacingKey): expected a string',
    () => createResilientWebSocket('gradium', { url: WS_URL, pacingKey: 42 as never }),
  ],
  [
    'createResilientWebSocket(options.engine): expected an engine',
    () => createResilientWebSocket('gradium', { url: WS_URL, engine: 'gradium' as never }),
  ],
  ['open(options): expected an options object or undefined; got null', () => openSession(null as never)],
  ['open(options.signal): expected an AbortSignal', () => openSession({ signal: 'abort' as never })],
  ['messageTypeIs(types[1]): expected a string; got number 42', () => messageTypeIs('ready', 42 as never)],
  // vendor-resilience/testing
  ['startVendorSimulator(options): expected an options object', () => startVendorSimulator(null as never)],
  [
    'startVendorSimulator(options.pollsUntilDone): expected a whole number ≥ 0; got number 1.5',
    () => startVendorSimulator({ vendor: 'zenhire', pollsUntilDone: 1.5 }),
  ],
  [
    'startVendorSimulator(options.minPollIntervalMs): expected a finite number ≥ 0; got number -1',
    () => startVendorSimulator({ vendor: 'zenhire', minPollIntervalMs: -1 }),
  ],
  [
    'startVendorSimulator(options.apiKey): expected a string',
    () => startVendorSimulator({ vendor: 'zenhire', apiKey: 42 as never }),
  ],
  [
    'startVendorSimulator(options.clock): expected a clock',
    () => startVendorSimulator({ vendor: 'zenhire', clock: {} as never }),
  ],
  ['loadFaultPlan(jsonText): expected a string; got an object', () => loadFaultPlan({ faults: [] } as never)],
];

describe('a wrong argument is a TypeError naming the function and the argument', () => {
  test.each(CASES)('%s', async (start, call) => {
    const error = await thrownBy(call);
    expect(error).toBeInstanceOf(TypeError);
    const { message } = error as TypeError;
    expect(message.startsWith(start)).toBe(true);
    expect(message).toMatch(/^[\w. ]+\([\w.[\]]+\): expected .+; got .+$/s);
  });
});

describe('messages never show a credential', () => {
  test.each([
    ['options.secrets', () => vendorResilience('gradium', { secrets: KEY as never })],
    ['options.headers', () => createResilientWebSocket('gradium', { url: WS_URL, headers: KEY as never })],
    ['extraSecrets', () => redactText('text', KEY as never)],
    ['options.apiKey', () => startVendorSimulator({ vendor: 'zenhire', apiKey: [KEY] as never })],
  ])('%s', async (_name, call) => {
    const { message } = (await thrownBy(call)) as Error;
    expect(message).not.toContain(KEY);
    expect(message).not.toContain(KEY.slice(0, 12));
  });
});

describe('describeValue', () => {
  test.each([
    [null, false, 'null'],
    [undefined, false, 'undefined'],
    [42, false, 'number 42'],
    [Number.NaN, false, 'number NaN'],
    [true, false, 'boolean true'],
    [5n, false, 'bigint 5n'],
    ['', false, 'an empty string'],
    ['x', false, 'a string of 1 character'],
    [KEY, false, `a string of ${KEY.length} characters`],
    ['gradium', true, '"gradium"'],
    ['a'.repeat(50), true, `"${'a'.repeat(40)}…"`],
    [Symbol('s'), false, 'a symbol'],
    [() => 1, false, 'a function'],
    [[1, 2], false, 'an array of 2 items'],
    [{}, false, 'an object'],
    [Object.create(null), false, 'an object'],
    [new Map(), false, 'an object (Map)'],
  ])('%p (echo %p) → %s', (value, echo, expected) => {
    expect(describeValue(value, echo)).toBe(expected);
  });
});

describe('right arguments still work', () => {
  test('the main entry', () => {
    const engine = createVendorEngine({ policies: ['gradium'], clock: env.clock, random: env.random });
    expect(engine.decide(signal).action).toBe('retry');
    expect(createEngine({ policies: [gradium] }).policy('gradium')).toBe(gradium);
    expect(createEngine({ policies: () => gradium }).decide(signal).action).toBe('retry');
    expect(decide(gradium, signal, env).action).toBe('retry');
    expect(parseRetryAfterMs('5', 0)).toBe(5000);
    expect(computedBackoffMs(gradium.backoff, 1, () => 0.5)).toBeGreaterThan(0);
    expect(scheduledPollIntervalMs(builtinPolicy('zenhire'), 1)).toBeGreaterThan(0);
    expect(formatMs(1500)).toBe('1.5 s');
    const decision = decide(gradium, signal, env);
    expect(new VendorError({ vendor: 'gradium', decision, attempts: 1 }).vendor).toBe('gradium');
    expect(redactText(`key ${KEY}`, [KEY])).toBe('key [REDACTED]');
    expect(redactHeaders({ 'x-api-key': KEY })).toEqual({ 'x-api-key': '[REDACTED]' });
    expect(redactHeaders(undefined)).toBeUndefined();
  });

  test('vendor-resilience/http', async () => {
    const controller = new AbortController();
    const extend = vendorResilience('gradium', {
      signal: controller.signal,
      deadlineMs: 1000,
      secrets: [KEY],
      onDecision: () => undefined,
      attemptHeaders: () => ({}),
    });
    expect(extend.handlers).toHaveLength(1);
    expect(vendorResilience(gradium).handlers).toHaveLength(1);
    expect(presetJob('breeze', { submit: {}, voiceId: 'v1' }).submit(1).url).toBe(
      'https://api.breeze.blue/v1/text-to-speech/v1',
    );
    expect(presetJob('zenhire', { submit: {}, baseUrl: 'http://127.0.0.1:1' }).poll('j').url).toBe(
      'http://127.0.0.1:1/api/v1/speech/analyze/j',
    );
    const lines: string[] = [];
    for await (const line of ndjsonLines(Readable.from(['{"a":1}\n{"b":2}\n']))) lines.push(line);
    for await (const line of ndjsonLines([Buffer.from('{"c":3}\n')] as never)) lines.push(line);
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  test('vendor-resilience/ws', () => {
    const open = createResilientWebSocket('gradium', {
      url: () => WS_URL,
      headers: { 'x-api-key': KEY },
      protocols: ['v1'],
      setup: () => undefined,
      isReady: messageTypeIs('ready'),
      replay: true,
      signal: new AbortController().signal,
      secrets: [KEY],
      wsOptions: {},
      deadlineMs: 60_000,
      onDecision: () => undefined,
      pacingKey: 'account',
      clock: { now: () => 0 },
    });
    expect(typeof open).toBe('function');
    expect(messageTypeIs('ready')('{"type":"ready"}', false)).toBe(true);
  });

  test('vendor-resilience/testing', async () => {
    const simulator = await startVendorSimulator({
      vendor: 'zenhire',
      apiKey: KEY,
      pollsUntilDone: 0,
      minPollIntervalMs: 0,
      clock: { now: () => 0 },
    });
    await simulator.close();
    expect(loadFaultPlan('{"faults":[]}')).toEqual({ faults: [] });
  });
});

describe('pacing, policies and the manual clock check their arguments too', () => {
  it.each([
    ['createPacing(null)', () => createPacing(null as never), /^createPacing\(options\): expected/],
    [
      'createPacing({ idleExpiryMs: -1 })',
      () => createPacing({ idleExpiryMs: -1 }),
      /^createPacing\(options\.idleExpiryMs\): expected a finite number > 0/,
    ],
    [
      'createPacing({ clock: 5 })',
      () => createPacing({ clock: 5 as never }),
      /^createPacing\(options\.clock\): expected a clock/,
    ],
    [
      'createPacing({ retryBudget: 3 })',
      () => createPacing({ retryBudget: 3 as never }),
      /^createPacing\(options\.retryBudget\): expected/,
    ],
    ['pacer(null)', () => createPacing().pacer(null as never), /^pacer\(request\): expected a request/],
    [
      'pacer({ vendor: 4 })',
      () => createPacing().pacer({ vendor: 4 as never }),
      /^pacer\(request\.vendor\): expected a string/,
    ],
    ['resolvePolicy(null)', () => resolvePolicy(null as never), /^resolvePolicy\(input\): expected/],
    [
      'createManualClock("0")',
      () => createManualClock('0' as never),
      /^createManualClock\(startMs\): expected a finite number/,
    ],
    [
      'advance("5")',
      () => createManualClock(0).advance('5' as never),
      /^advance\(deltaMs\): expected a finite number/,
    ],
  ])('%s throws a TypeError naming the function and argument', (_name, call, message) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });
});
