import { afterEach, describe, expect, it } from '@jest/globals';
import got, { type HandlerFunction } from 'got';
import { vendorResilience } from '../../../lib/adapters/got/index.js';
import { isVendorError } from '../../../lib/index.js';
import { createPacing, type Pacing } from '../../../lib/pacing/index.js';
import { fakeTime } from './helpers/fake-time.js';
import { loopbackResources } from './helpers/loopback.js';

// Where the got adapter takes a pacer turn and gives back a retry token, at the edges an
// adversarial pass found (2026-12-05) when the first try's turn was taken as the call started:
// every try takes its turn in beforeRequest, once got is about to send it, and a call that ends
// before sending holds no turn and keeps no retry token.

/** The engine's status-class fallback only (a 5xx is a `retry`, a 2xx is `ok`). */
const POLICY = {
  vendor: 'turn-edges',
  title: 'status-class fallback only',
  docs: ['test/integration/got/pacer-turn-edges.test.ts'],
  envelopes: [],
  rules: [
    {
      id: 'never-matches',
      match: { code: 'turn-edges-never-matches' },
      action: 'fail',
      category: 'never',
      summary: 'matches only a vendor code, and without envelopes no vendor code is ever read',
      source: 'test',
    },
  ],
} as const;

/** A 503 is a `backoff` the policy times (not the server): it closes the gate and takes a retry token. */
const BACKOFF_POLICY = {
  vendor: 'turn-edges-backoff',
  title: '503 backs off',
  docs: ['test/integration/got/pacer-turn-edges.test.ts'],
  envelopes: [],
  rules: [
    {
      id: 'overloaded',
      match: { transport: 'http', status: 503 },
      action: 'backoff',
      category: 'server_error',
      summary: 'overloaded',
      source: 'test',
      maxAttempts: 5,
      backoff: { baseMs: 1000, factor: 2, maxMs: 8000, jitter: 'none' },
    },
  ],
} as const;

const resources = loopbackResources();
afterEach(() => resources.closeAll());
const serve = resources.serve;

function pacingOf(settings: Parameters<typeof createPacing>[0]): Pacing {
  const pacing = createPacing(settings);
  resources.track(pacing);
  return pacing;
}

/** A pacing that lets one request of POLICY's vendor be in flight at a time. */
function oneAtATime(): Pacing {
  return pacingOf({ vendors: { [POLICY.vendor]: { maxConcurrent: 1 } } });
}

/**
 * `/hold…` paths are answered only when `release()` is called; others answer 200 at once. Counts
 * hits per path and the most requests the server had in flight at once.
 */
async function holdingServer(): Promise<{
  url: string;
  hits: Map<string, number>;
  release: () => void;
  peak: () => number;
}> {
  const held: (() => void)[] = [];
  const hits = new Map<string, number>();
  let inFlight = 0;
  let peak = 0;
  const url = await serve((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    inFlight++;
    peak = Math.max(peak, inFlight);
    req.resume();
    const answer = (): void => {
      inFlight--;
      res.end('ok');
    };
    if (path.startsWith('/hold')) held.push(answer);
    else answer();
  });
  return { url, hits, release: () => held.splice(0).forEach((answer) => answer()), peak: () => peak };
}

/** Polls `condition` every 5 ms, for at most a second. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('the first try takes its turn only when got is about to send it', () => {
  it('a call made after its pacing was closed rejects; got() itself does not throw', async () => {
    // The pacer is looked up in beforeRequest: pacing.pacer() throws once closed, and got rejects.
    const url = await serve((_req, res) => res.end('ok'));
    const pacing = createPacing({});
    await pacing.close();
    const client = got.extend(vendorResilience(POLICY, { pacing }));
    let thrown: unknown;
    let call: Promise<unknown> | undefined;
    try {
      call = client(`${url}/after-close`);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeUndefined();
    await expect(call).rejects.toThrow(/closed/);
  });

  it('an async handler after ours that outlasts deadlineMs: the call fails with deadline_exceeded and nothing is sent', async () => {
    // The deadline passes while the handler awaits; our beforeRequest then refuses the turn.
    const server = await holdingServer();
    const signing: HandlerFunction = (async (
      options: Parameters<HandlerFunction>[0],
      next: Parameters<HandlerFunction>[1],
    ) => {
      await new Promise((resolve) => setTimeout(resolve, 150)); // e.g. fetching a signing key
      return next(options);
    }) as unknown as HandlerFunction;
    const client = got
      .extend(vendorResilience(POLICY, { pacing: pacingOf({}), deadlineMs: 50 }))
      .extend({ handlers: [signing] });
    const outcome = await client(`${server.url}/late`)
      .text()
      .catch((error: unknown) => error);
    expect(isVendorError(outcome) && outcome.category).toBe('deadline_exceeded');
    expect(server.hits.has('/late')).toBe(false);
  });

  it('a resend after got failed the first try before sending it takes a turn of its own: never past maxConcurrent', async () => {
    // got fails B's first try in its cookie jar, before its hooks; B's resend must wait for a
    // turn like any try while C holds the only slot.
    const server = await holdingServer();
    const pacing = oneAtATime();
    const pacer = pacing.pacer({ vendor: POLICY.vendor });
    const client = got.extend(vendorResilience(POLICY, { pacing, clock: fakeTime().clock }));
    const holder = client(`${server.url}/hold-a`);
    await until(() => server.hits.has('/hold-a'));
    let failCookies: (() => void) | undefined;
    let cookieCalls = 0;
    const cookieJar = {
      // A cookie store over the network: its first read fails as a connection that never opened.
      getCookieString: async (): Promise<string> => {
        cookieCalls++;
        if (cookieCalls > 1) return '';
        await new Promise<void>((resolve) => (failCookies = resolve));
        throw Object.assign(new Error('cookie store unreachable'), { code: 'ECONNREFUSED' });
      },
      setCookie: async (): Promise<void> => undefined,
    };
    const b = client(`${server.url}/hold-b`, { cookieJar });
    await until(() => failCookies !== undefined);
    server.release();
    await holder;
    await until(() => pacer.counts().running <= 1);
    const c = client(`${server.url}/hold-c`);
    failCookies?.();
    await until(() => server.hits.has('/hold-b') && server.hits.has('/hold-c'));
    const peak = server.peak();
    for (let i = 0; i < 4; i++) {
      server.release();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await expect(b.text()).resolves.toBe('ok');
    await expect(c.text()).resolves.toBe('ok');
    expect(peak).toBe(1);
  });
});

describe('every resend takes a pacer turn', () => {
  it("a retry from your afterResponse hook (got's retryWithMergedOptions) waits for a turn: never past maxConcurrent", async () => {
    // got's documented token-refresh pattern: the first try's turn ends with its response, another
    // call takes the slot, and the retry queues behind it.
    const server = await holdingServer();
    const client = got.extend(vendorResilience(POLICY, { pacing: oneAtATime() }));
    let refreshToken: (() => void) | undefined;
    let other: Promise<string> | undefined;
    const call = client(`${server.url}/hold-a`, {
      hooks: {
        afterResponse: [
          async (response, retryWithMergedOptions) => {
            if (response.request.options.headers.authorization !== undefined) return response;
            other = client(`${server.url}/hold-c`).text();
            await new Promise<void>((resolve) => (refreshToken = resolve));
            return retryWithMergedOptions({ headers: { authorization: 'Bearer fresh' } });
          },
        ],
      },
    });
    await until(() => server.hits.has('/hold-a'));
    server.release();
    await until(() => refreshToken !== undefined);
    refreshToken?.();
    await until(() => server.hits.has('/hold-c') && server.hits.get('/hold-a') === 2);
    const peak = server.peak();
    for (let i = 0; i < 4; i++) {
      server.release();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await expect(call.text()).resolves.toBe('ok');
    await expect(other).resolves.toBe('ok');
    expect(peak).toBe(1);
  });
});

describe('the retry token of a resend never sent goes back', () => {
  it('also when the call is aborted while its resend decision is being recorded', async () => {
    // The call ends (CallContext.end) while `pacer.record()` is still pending: the token the
    // record then takes goes back at once.
    const hits = new Map<string, number>();
    const url = await serve((req, res) => {
      const path = req.url ?? '/';
      const n = (hits.get(path) ?? 0) + 1;
      hits.set(path, n);
      req.resume();
      const fail = path.startsWith('/down') || (path.startsWith('/flaky') && n === 1);
      res.writeHead(fail ? 503 : 200).end(fail ? 'busy' : 'ok');
    });
    const pacing = pacingOf({ retryBudget: { capacity: 1, refillPerSuccess: 0 } });
    const client = got.extend(vendorResilience(BACKOFF_POLICY, { pacing, clock: fakeTime().clock }));
    const controller = new AbortController();
    // The caller stops what it was doing when the vendor's gate closes (emitted inside record()).
    const listening = pacing.on('gateClosed', () => controller.abort());
    const aborted = client(`${url}/down`, { signal: controller.signal, headers: { 'x-api-key': 'key-1' } });
    await expect(aborted).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    listening.dispose();
    expect(hits.get('/down')).toBe(1);
    // Another key (another gate) of the same vendor shares the budget: its one token is still there.
    const outcome = await client(`${url}/flaky`, { headers: { 'x-api-key': 'key-2' } })
      .text()
      .catch((error: unknown) => (isVendorError(error) ? error.category : error));
    expect(outcome).toBe('ok');
  });
});

describe('a request got never sends holds no turn', () => {
  it('an async handler after ours that rejects before calling next(): the pacer holds nothing', async () => {
    const url = await serve((_req, res) => res.end('ok'));
    const pacing = oneAtATime();
    const refreshing: HandlerFunction = (async () => {
      await Promise.resolve();
      throw new Error('token refresh failed');
    }) as unknown as HandlerFunction;
    const client = got.extend(vendorResilience(POLICY, { pacing })).extend({ handlers: [refreshing] });
    await expect(client(`${url}/never-sent`)).rejects.toThrow('token refresh failed');
    expect(pacing.pacer({ vendor: POLICY.vendor }).counts()).toEqual({ queued: 0, running: 0 });
  });
});
