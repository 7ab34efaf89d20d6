import { afterEach, describe, expect, it } from '@jest/globals';
import got, { HTTPError } from 'got';
import { Readable } from 'node:stream';
import { isVendorError } from '../../../lib/index.js';
import { vendorResilience, type DecisionEvent } from '../../../lib/adapters/got/index.js';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import { fakeTime } from './helpers/fake-time.js';
import { loopbackResources } from './helpers/loopback.js';

// What the pacing behind the got adapter hears of a call must be what got sent and received: a
// got.stream's 2xx is a success like a promise call's (got runs no afterResponse hooks for
// streams), and a resend got will not send takes no retry token. Found running got's own test
// suite through the adapter (scripts/got-suite): its stream tests stalled behind a slow-start
// window that streams never widened, and the budget was charged for resends never sent.

/** The engine's status-class fallback only (as scripts/got-suite/neutral-policy.json). */
const POLICY = {
  vendor: 'accounting-test',
  title: 'status-class fallback only',
  docs: ['test/integration/got/got-pacer-accounting.test.ts'],
  envelopes: [],
  rules: [
    {
      id: 'never-matches',
      match: { code: 'accounting-test-never-matches' },
      action: 'fail',
      category: 'never',
      summary: 'matches only a vendor code, and without envelopes no vendor code is ever read',
      source: 'test',
    },
  ],
} as const;

const resources = loopbackResources();
afterEach(() => resources.closeAll());
const serve = resources.serve;

/** `/flaky…` paths answer 500 on their first hit and 200 after; `/down…` always 500; others 200. */
async function flakyServer(): Promise<{ url: string; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const url = await serve((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = (hits.get(path) ?? 0) + 1;
      hits.set(path, n);
      const fail = path.startsWith('/down') || (path.startsWith('/flaky') && n === 1);
      res.writeHead(fail ? 500 : 200).end(fail ? 'broken' : 'ok');
    });
  });
  return { url, hits };
}

function drain(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.once('end', () => resolve());
    stream.resume();
  });
}

function paced(settings: Parameters<typeof createPacing>[0]): typeof got {
  const pacing = createPacing(settings);
  resources.track(pacing);
  return got.extend(vendorResilience(POLICY, { pacing, clock: fakeTime().clock }));
}

describe("a got.stream's 2xx is a success for the pacing", () => {
  it('with the default pacing, stream successes widen the slow-start window as promise successes do', async () => {
    // Each response is held until `wave` requests are in flight at once (or 300 ms passed).
    let inFlight = 0;
    let peak = 0;
    let wave = 20;
    const held: (() => void)[] = [];
    const releaseAll = (): void => {
      for (const release of held.splice(0)) release();
    };
    const url = await serve((req, res) => {
      req.resume();
      inFlight++;
      peak = Math.max(peak, inFlight);
      const timer = setTimeout(releaseAll, 300);
      held.push(() => {
        clearTimeout(timer);
        inFlight--;
        res.end('ok');
      });
      if (inFlight >= wave) releaseAll();
    });
    const client = got.extend(vendorResilience(POLICY));
    await Promise.all(Array.from({ length: wave }, () => drain(client.stream(`${url}/a`))));
    // The first wave starts within the slow-start window (8); its 20 successes widen it to 28.
    expect(peak).toBeLessThan(wave);
    peak = 0;
    wave = 25;
    await Promise.all(Array.from({ length: wave }, () => drain(client.stream(`${url}/b`))));
    expect(peak).toBe(wave);
  });

  it('stream successes refill the retry budget that stream and promise calls share', async () => {
    const { url, hits } = await flakyServer();
    const client = paced({ retryBudget: { capacity: 1, refillPerSuccess: 0.5 } });
    // Takes the one token, and its success gives half back.
    await expect(client(`${url}/flaky-1`).text()).resolves.toBe('ok');
    // A streamed 200 gives back the other half.
    await drain(client.stream(`${url}/fine`));
    await expect(client(`${url}/flaky-2`).text()).resolves.toBe('ok');
    expect(hits.get('/flaky-2')).toBe(2);
  });

  it('onDecision reports a streamed 2xx once, with pacing off too', async () => {
    const { url } = await flakyServer();
    const events: DecisionEvent[] = [];
    const client = got.extend(
      vendorResilience(POLICY, { pacing: false, onDecision: (event) => events.push(event) }),
    );
    await drain(client.stream(`${url}/fine`));
    expect(events.map((e) => [e.status, e.attempt, e.decision.action])).toEqual([[200, 1, 'ok']]);
  });
});

describe('a resend got will not send takes no retry token', () => {
  it('retry.limit, a consumed upload and a stream without a retry listener leave the budget to calls that resend', async () => {
    const { url, hits } = await flakyServer();
    const client = paced({ retryBudget: { capacity: 2, refillPerSuccess: 0 } });
    // One resend (a token), then retry.limit: the second 500 ends the call without charging.
    const limited = await client(`${url}/down-limit-1`, { retry: { limit: 1 } }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(HTTPError);
    expect(isVendorError(limited) && limited.category).toBe('server_error');
    expect(isVendorError(limited) && limited.decision.reason).toMatch(
      /retry\.limit of 1 allows no more resends/,
    );
    expect(hits.get('/down-limit-1')).toBe(2);
    // No resend at all.
    await expect(client(`${url}/down-limit-0`, { retry: { limit: 0 } })).rejects.toBeInstanceOf(HTTPError);
    const upload = await client
      .post(`${url}/down-upload`, { body: Readable.from(['audio']) })
      .catch((e: unknown) => e);
    expect(isVendorError(upload) && upload.decision.reason).toMatch(/stream that the first try consumed/);
    // got.stream raises the error itself when nobody handles its `retry` event.
    await expect(drain(client.stream(`${url}/down-stream`))).rejects.toBeInstanceOf(HTTPError);
    expect(hits.get('/down-limit-0')).toBe(1);
    expect(hits.get('/down-upload')).toBe(1);
    expect(hits.get('/down-stream')).toBe(1);
    // One token is left, for the call that does resend.
    await expect(client(`${url}/flaky`).text()).resolves.toBe('ok');
    expect(hits.get('/flaky')).toBe(2);
    // Now the budget is empty: a resend is refused, as before.
    const refused = await client(`${url}/flaky-again`).catch((e: unknown) => e);
    expect(isVendorError(refused) && refused.category).toBe('budget_exhausted');
  });
});

describe('a resend that took a retry token and was never sent gives it back', () => {
  // The budget counts the resends sent (gRPC's retry throttling): a token kept for one that never
  // left would fail the next call's real retry with budget_exhausted.
  it('your calculateDelay answering 0, a beforeRetry hook that throws, a call aborted in its wait', async () => {
    const { url, hits } = await flakyServer();
    const pacing = createPacing({ retryBudget: { capacity: 1, refillPerSuccess: 0 } });
    resources.track(pacing);
    let onWait: () => void = () => undefined;
    const time = fakeTime(undefined, async () => onWait());
    const client = got.extend(vendorResilience(POLICY, { pacing, clock: time.clock }));
    // The engine decided a retry (a token); your calculateDelay answered 0: nothing sent again.
    const declined = client(`${url}/down-declined`, { retry: { calculateDelay: () => 0 } });
    await expect(declined).rejects.toBeInstanceOf(HTTPError);
    expect(hits.get('/down-declined')).toBe(1);
    // got runs beforeRetry after the wait; it throws, and got raises that instead of resending.
    const hook = () => {
      throw new Error('no resend today');
    };
    await expect(client(`${url}/down-hook`, { hooks: { beforeRetry: [hook] } })).rejects.toThrow(
      'no resend today',
    );
    expect(hits.get('/down-hook')).toBe(1);
    // Aborted during the engine's wait (the caller's signal: got 15 and 16 have no cancel()).
    const controller = new AbortController();
    const cancelled = client(`${url}/down-cancelled`, { signal: controller.signal });
    onWait = () => controller.abort();
    await expect(cancelled).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    onWait = () => undefined;
    expect(hits.get('/down-cancelled')).toBe(1);

    // The one token is still there: a call that does resend gets it…
    await expect(client(`${url}/flaky-a`).text()).resolves.toBe('ok');
    expect(hits.get('/flaky-a')).toBe(2);
    // …and the budget is empty after it, as the budget says.
    const refused = await client(`${url}/flaky-b`).catch((e: unknown) => e);
    expect(isVendorError(refused) && refused.category).toBe('budget_exhausted');
  });
});

describe('every try takes a pacer turn', () => {
  // Every try, the first and each resend, takes its turn in beforeRequest, right before got sends
  // it. Without that, resends would pass the limit.
  it('with maxConcurrent 1, resends queue behind other calls: the server never has two requests at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const hits = new Map<string, number>();
    const url = await serve((req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      const path = req.url ?? '/';
      const n = (hits.get(path) ?? 0) + 1;
      hits.set(path, n);
      req.resume();
      // Held a little, so that a try sent out of turn would overlap one in flight.
      setTimeout(() => {
        inFlight--;
        res.writeHead(n === 1 ? 500 : 200).end(n === 1 ? 'broken' : 'ok');
      }, 20);
    });
    const client = paced({ vendors: { [POLICY.vendor]: { maxConcurrent: 1 } } });
    const calls = Array.from({ length: 4 }, (_, i) => client(`${url}/flaky-${i}`).text());
    await expect(Promise.all(calls)).resolves.toEqual(['ok', 'ok', 'ok', 'ok']);
    expect([...hits.values()]).toEqual([2, 2, 2, 2]);
    expect(peak).toBe(1);
  });
});

describe('a turn started at once counts its send when the request goes out', () => {
  // The pacer learns a vendor's rate from when requests reach it. got builds a request after its
  // hooks, well after the call started (the first sends of a storm go out tens of ms after their
  // start): counted at the start, an episode looked longer than the vendor saw it.
  function loggingPacing(log: string[]): Pacing {
    const pacing = createPacing({ retryBudget: false });
    resources.track(pacing);
    return {
      ...pacing,
      pacer(request) {
        const pacer = pacing.pacer(request);
        return {
          ...pacer,
          startNow() {
            const started = pacer.startNow?.();
            if (!started) return undefined;
            log.push('started');
            // Both are idempotent: the adapter may end a turn from its hook and the request's close.
            let sent = false;
            let ended = false;
            return {
              sent: () => {
                if (!sent) log.push('sent');
                sent = true;
                started.sent();
              },
              end: () => {
                if (!ended) log.push('ended');
                ended = true;
                started.end();
              },
            };
          },
        };
      },
    };
  }

  it('sent() comes after the call started and before the server sees it; a call aborted first is never counted', async () => {
    const log: string[] = [];
    const url = await serve((req, res) => {
      log.push('received');
      req.resume();
      res.end('ok');
    });
    const client = got.extend(vendorResilience(POLICY, { pacing: loggingPacing(log) }));
    await expect(client(`${url}/one`).text()).resolves.toBe('ok');
    expect(log).toEqual(['started', 'sent', 'received', 'ended']);

    log.length = 0;
    const controller = new AbortController();
    const cancelled = client(`${url}/two`, { signal: controller.signal });
    controller.abort();
    await expect(cancelled).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(log).not.toContain('sent');
    expect(log.filter((entry) => entry === 'started')).toHaveLength(
      log.filter((entry) => entry === 'ended').length,
    );
  });
});
