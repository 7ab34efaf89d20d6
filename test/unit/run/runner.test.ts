import { afterEach, describe, expect, it } from '@jest/globals';
import type { Clock, Decision } from '../../../lib/core/engine/types.js';
import { isVendorError } from '../../../lib/index.js';
import type { ResilienceOptions } from '../../../lib/run/run-options.js';
import { CallContext, createSetup, type Observation } from '../../../lib/run/call-context.js';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import { runTries } from '../../../lib/run/runner.js';
import { sleep } from '../../../lib/run/sleep.js';
import type { AttemptCounters, TryResult } from '../../../lib/run/try-judge.js';

// The runner knows no transport: these tries are WebSocket connections and job polls described by
// their observations alone. Waits go through the injected clock, which records them and returns
// at once; `random` fixes the engine's jitter.

const RECONNECTING = new Set(['reconnect', 'retry', 'backoff'] as const);

/**
 * The wall clock with waits that a call awaits recorded in `waits` and ended at once; housekeeping
 * (unref'd) waits, such as the deadline watch, run on real timers.
 */
function recordingClock(waits: number[]): Clock {
  return {
    now: () => Date.now(),
    sleep: (delayMs, options = {}) => {
      if (options.unref) return sleep(delayMs, options);
      waits.push(delayMs);
      return Promise.resolve();
    },
  };
}

/** A call context with recorded waits and decisions, unpaced. */
function contextFor(vendor: string, options: ResilienceOptions = {}) {
  const waits: number[] = [];
  const events: { attempt: number; action: string }[] = [];
  const setup = createSetup(vendor, {
    pacing: false,
    random: () => 0.5,
    clock: recordingClock(waits),
    onDecision: (event) => events.push({ attempt: event.attempt, action: event.decision.action }),
    ...options,
  });
  return { context: new CallContext(setup, { signal: options.signal }), waits, events };
}

/** A try that ends with each observation in turn (the last one repeats). */
function scripted(observations: Observation[], cause?: Error) {
  const sent: number[] = [];
  const sendTry = (tryNumber: number): Promise<TryResult<number>> => {
    sent.push(tryNumber);
    const observation = observations[Math.min(tryNumber, observations.length) - 1] as Observation;
    return Promise.resolve({ observation, value: tryNumber, ...(cause ? { cause } : {}) });
  };
  return { sent, sendTry };
}

describe('runTries', () => {
  it('reconnects a WebSocket after the decided waits until a clean close, reporting each decision', async () => {
    const { context, waits, events } = contextFor('gradium');
    const { sent, sendTry } = scripted([
      { transport: 'ws', closeCode: 1011 },
      { transport: 'ws', closeCode: 1011 },
      { transport: 'ws', closeCode: 1000 },
    ]);
    const resends: Decision[] = [];
    const run = await runTries({
      context,
      phase: 'submit',
      accept: new Set(['ok']),
      resend: RECONNECTING,
      paced: false,
      sendTry,
      onResend: (decision) => resends.push(decision),
    });
    context.end();
    expect(run.tries).toBe(3);
    expect(run.result.value).toBe(3);
    expect(run.decision.rule).toBe('gradium#session-done');
    expect(sent).toEqual([1, 2, 3]);
    expect(resends.map((d) => d.action)).toEqual(['reconnect', 'reconnect']);
    expect(waits).toEqual(resends.map((d) => d.delayMs));
    expect(waits.every((ms) => ms > 0)).toBe(true);
    expect(events).toEqual([
      { attempt: 1, action: 'reconnect' },
      { attempt: 2, action: 'reconnect' },
      { attempt: 3, action: 'ok' },
    ]);
  });

  it('ends with the typed error, its cause cleaned of the known credentials', async () => {
    const { context, waits } = contextFor('gradium', { secrets: ['sk-live-12345678'] });
    const { sendTry } = scripted(
      [{ transport: 'ws', closeCode: 1008 }],
      new Error('closed by wss://api.example/?token=sk-live-12345678'),
    );
    const error: unknown = await runTries({
      context,
      phase: 'submit',
      accept: new Set(['ok']),
      resend: RECONNECTING,
      sendTry,
    }).catch((e: unknown) => e);
    context.end();
    expect(isVendorError(error)).toBe(true);
    const failure = error as Error & { action: string; attempts: number; decision: Decision };
    expect(failure.action).toBe('fail');
    expect(failure.attempts).toBe(1);
    expect(failure.decision.rule).toBe('gradium#close-policy-violation');
    expect(String((failure.cause as Error).message)).not.toContain('sk-live-12345678');
    expect(waits).toEqual([]);
  });

  it('polls on the server schedule without counting polls as failed tries', async () => {
    const { context, waits } = contextFor('zenhire');
    const status = (state: string): Observation => ({
      transport: 'http',
      status: 200,
      body: JSON.stringify({ status: state }),
    });
    const counters: AttemptCounters = { failures: 0, polls: 0 };
    const { sendTry } = scripted([status('queued'), status('processing'), status('success')]);
    const run = await runTries({ context, phase: 'poll', accept: new Set(['ok']), counters, sendTry });
    context.end();
    expect(run.tries).toBe(3);
    expect(counters).toEqual({ failures: 0, polls: 2 });
    expect(waits).toHaveLength(2);
  });

  it("stops at the caller's abort during a wait with the caller's reason", async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const setup = createSetup('gradium', {
      pacing: false,
      clock: {
        now: () => Date.now(),
        sleep: (_delayMs, { signal } = {}) => {
          controller.abort(reason);
          return Promise.reject(signal?.reason as Error);
        },
      },
    });
    const context = new CallContext(setup, { signal: controller.signal });
    const { sent, sendTry } = scripted([{ transport: 'ws', closeCode: 1011 }]);
    const error = await runTries({
      context,
      phase: 'submit',
      accept: new Set(['ok']),
      resend: RECONNECTING,
      sendTry,
    }).catch((e: unknown) => e);
    context.end();
    expect(error).toBe(reason);
    expect(sent).toEqual([1]);
  });

  it('refuses a wait that cannot end before the deadline, with a fail that says so', async () => {
    // elsa's first reconnect after 1011 waits 783 ms with this jitter; the deadline leaves less.
    const { context, waits } = contextFor('elsa', { deadlineMs: 500 });
    const { sendTry } = scripted([{ transport: 'ws', closeCode: 1011 }]);
    const error: unknown = await runTries({
      context,
      phase: 'submit',
      accept: new Set(['ok']),
      resend: RECONNECTING,
      sendTry,
    }).catch((e: unknown) => e);
    context.end();
    expect(isVendorError(error)).toBe(true);
    expect((error as { action: string }).action).toBe('fail');
    expect((error as Error).message).toMatch(/the call's deadline leaves .*too little for that wait/);
    expect(waits).toEqual([]);
  });

  describe('a resend that took a retry token and was never sent', () => {
    let pacing: Pacing | undefined;
    afterEach(async () => {
      await pacing?.close();
      pacing = undefined;
    });

    it('gives the token back when the call ends: an aborted wait, a wait the deadline refuses', async () => {
      const shared = createPacing({ retryBudget: { capacity: 1, refillPerSuccess: 0 } });
      pacing = shared;
      const run = async (options: ResilienceOptions, observations: Observation[]) => {
        const setup = createSetup('gradium', { random: () => 0.5, pacing: shared, ...options });
        const context = new CallContext(setup, { signal: options.signal });
        const tries = scripted(observations);
        const outcome = await runTries({
          context,
          phase: 'submit',
          accept: new Set(['ok']),
          resend: RECONNECTING,
          sendTry: tries.sendTry,
        }).catch((e: unknown) => e);
        context.end();
        return { outcome, sent: tries.sent };
      };
      const broken: Observation = { transport: 'ws', closeCode: 1011 };
      const clean: Observation = { transport: 'ws', closeCode: 1000 };
      // The reconnect after 1011 takes the one token; the caller aborts during its wait.
      const controller = new AbortController();
      const aborting: Clock = {
        now: () => Date.now(),
        sleep: (_delayMs, { signal } = {}) => {
          controller.abort(new Error('caller gave up'));
          return Promise.reject(signal?.reason as Error);
        },
      };
      const aborted = await run({ clock: aborting, signal: controller.signal }, [broken, clean]);
      expect(aborted.sent).toEqual([1]);
      // Taken again, and the deadline refuses the wait.
      const refused = await run({ clock: recordingClock([]), deadlineMs: 5 }, [broken, clean]);
      expect(isVendorError(refused.outcome) && refused.outcome.decision.reason).toMatch(/too little/);
      // The token came back both times: this call reconnects once, and then the budget is empty.
      const reconnected = await run({ clock: recordingClock([]) }, [broken, clean]);
      expect(reconnected.sent).toEqual([1, 2]);
      const exhausted = await run({ clock: recordingClock([]) }, [broken, clean]);
      expect(isVendorError(exhausted.outcome) && exhausted.outcome.category).toBe('budget_exhausted');
    });
  });
});
