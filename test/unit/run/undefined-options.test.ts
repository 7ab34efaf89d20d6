/**
 * Every optional option takes `undefined` at run time as "not given" (the argument checks read
 * `x === undefined || …`, the defaults `x ?? default`), which is what the types say too
 * (`x?: T | undefined`, for consumers compiling with exactOptionalPropertyTypes: options spread from
 * a partial configuration). test/integration/packaging/consumer-types.test.ts checks the types.
 */
import { describe, expect, it } from '@jest/globals';
import { createVendorEngine } from '../../../lib/index.js';
import { vendorResilience } from '../../../lib/adapters/got/index.js';
import { presetJob as fetchPresetJob, resilientFetch } from '../../../lib/adapters/fetch/index.js';
import { createResilientWebSocket } from '../../../lib/adapters/ws/index.js';
import { createManualClock } from '../../../lib/testing/index.js';
import { createPacing } from '../../../lib/pacing/index.js';
import { decision } from '../pacing/helpers.js';

const SHARED = {
  signal: undefined,
  pacing: undefined,
  deadlineMs: undefined,
  onDecision: undefined,
  telemetry: undefined,
  attemptHeaders: undefined,
  secrets: undefined,
  clock: undefined,
  random: undefined,
  engine: undefined,
};

describe('options whose values are undefined are options not given', () => {
  it('vendorResilience and resilientFetch', () => {
    expect(typeof vendorResilience('zenhire', SHARED)).toBe('object');
    const fetchOptions = {
      ...SHARED,
      fetch: undefined,
      throwOnFail: undefined,
      maxReplayBodyBytes: undefined,
    };
    expect(typeof resilientFetch('breeze', fetchOptions)).toBe('function');
  });

  it('createVendorEngine decides as with no options', () => {
    const signal = {
      vendor: 'zenhire',
      phase: 'submit',
      status: 429,
      headers: { 'retry-after': '3' },
    } as const;
    const engine = createVendorEngine({ policies: undefined, clock: undefined, random: undefined });
    expect(engine.decide(signal).action).toBe(createVendorEngine().decide(signal).action);
  });

  it('createPacing', async () => {
    const pacing = createPacing({
      redis: undefined,
      keyPrefix: undefined,
      vendors: undefined,
      retryBudget: undefined,
      adaptive: undefined,
      clock: undefined,
      redisTimeoutMs: undefined,
      sharedStateCacheMs: undefined,
      idleExpiryMs: undefined,
      keepProcessAlive: undefined,
      telemetry: undefined,
    });
    expect(pacing.pacer({ vendor: 'zenhire' }).vendor).toBe('zenhire');
    await pacing.close();
  });
});

describe('settings objects whose values are undefined keep their defaults', () => {
  it('a Signal: undefined fields are fields not given', () => {
    const engine = createVendorEngine({ random: () => 0.5 });
    const given = { vendor: 'zenhire', phase: 'submit', status: 503 } as const;
    const withUndefined = {
      ...given,
      headers: undefined,
      body: undefined,
      attempt: undefined,
      error: undefined,
    };
    expect(engine.decide(withUndefined)).toEqual(engine.decide(given));
  });

  it('ws options, job preset targets, a manual clock, adaptive and telemetry settings', async () => {
    const open = createResilientWebSocket('gradium', {
      url: 'ws://127.0.0.1:9',
      headers: undefined,
      protocols: undefined,
      setup: undefined,
      isReady: undefined,
      replay: undefined,
      maxBufferedMessages: undefined,
      maxBufferedBytes: undefined,
      stableAfterMs: undefined,
      closeAfterErrorMs: undefined,
      connectTimeoutMs: undefined,
      closeTimeoutMs: undefined,
      maxUpgradeBodyBytes: undefined,
      wsOptions: undefined,
      pacingKey: undefined,
      ...SHARED,
      pacing: false,
    });
    expect(typeof open).toBe('function');
    const spec = fetchPresetJob('zenhire', { submit: {}, baseUrl: undefined, voiceId: undefined });
    expect(spec.poll('r1').url).toBe(fetchPresetJob('zenhire', { submit: {} }).poll('r1').url);
    createManualClock(0, { autoAdvance: undefined }).dispose();
    const pacing = createPacing({
      adaptive: {
        rateBeta: undefined,
        rateRecoveryMs: undefined,
        minRequestsPerSecond: undefined,
        concurrencyBeta: undefined,
      },
      telemetry: { meter: undefined, trace: undefined, logger: undefined, waitingEveryMs: undefined },
    });
    await pacing.close();
  });

  it('retryBudget: { capacity: undefined } is the default budget (not a budget never exhausted)', async () => {
    const retry = decision({ action: 'retry', rule: 'audixa#unavailable', reason: 'audixa 503.' });
    const ok = decision({ action: 'ok' });
    // 12 retries, 12 successes, 2 retries: the actions the pacer leaves, with the given settings.
    const actions = async (retryBudget: { capacity?: undefined; refillPerSuccess?: undefined }) => {
      const pacing = createPacing({ retryBudget });
      try {
        const pacer = pacing.pacer({ vendor: 'audixa' });
        const out: string[] = [];
        for (const sent of [...Array(12).fill(retry), ...Array(12).fill(ok), retry, retry])
          out.push((await pacer.record(sent as typeof retry)).action);
        return out;
      } finally {
        await pacing.close();
      }
    };
    const defaults = await actions({});
    expect(defaults.slice(0, 12)).toEqual([...Array(10).fill('retry'), 'fail', 'fail']);
    expect(await actions({ capacity: undefined, refillPerSuccess: undefined })).toEqual(defaults);
  });
});
