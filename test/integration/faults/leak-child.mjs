// Child process of leaks.test.ts: 10 000 calls through the BUILT library (dist/), mixing retries,
// polls, reconnects, and aborts/close() in every state; then it closes everything and simply
// returns. It never calls process.exit: if anything is left running, the process does not exit
// and the parent test fails. It prints one JSON line with its figures.
/* global AbortController, setImmediate, setTimeout, clearTimeout */
import got from 'got';

const dist = (path) => new URL(`../../../dist/lib/${path}`, import.meta.url).href;
const { isVendorError } = await import(dist('index.js'));
const { createPacing } = await import(dist('pacing/index.js'));
const { runVendorJob, presetJob, vendorResilience } = await import(dist('adapters/got/index.js'));
const { createResilientWebSocket } = await import(dist('adapters/ws/index.js'));
const { startVendorSimulator, createManualClock } = await import(dist('testing/index.js'));

const SCALE = Number(process.env.LEAK_SCALE ?? '1');

const t0 = Date.now();
const trace = (what) => {
  if (process.env.LEAK_TRACE) process.stderr.write(`[leak-child] ${Date.now() - t0} ms: ${what}\n`);
};
const outcomes = {};
const count = (name) => {
  outcomes[name] = (outcomes[name] ?? 0) + 1;
};
let calls = 0;

/** Records how one call ended; anything other than the expected kinds is a lost call. */
async function settle(kind, promise, { abortExpected = false, closedExpected = false } = {}) {
  calls += 1;
  try {
    await promise;
    count(`${kind}:ok`);
  } catch (error) {
    if (isVendorError(error)) count(`${kind}:vendor-error:${error.category}`);
    else if (abortExpected && error?.name === 'AbortError') count(`${kind}:aborted`);
    else if (closedExpected && /pacing for \w+ was closed/.test(error?.message))
      count(`${kind}:rejected-closed`);
    else {
      count(`${kind}:UNEXPECTED`);
      if (!outcomes.firstUnexpected) outcomes.firstUnexpected = `${kind}: ${error?.stack ?? String(error)}`;
    }
  }
}

/** Runs `total` tasks, at most `width` at a time. */
async function pool(total, width, task) {
  let next = 0;
  const worker = async () => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, total) }, worker));
}

/** A retry wait that is decided and honoured in order, but spends one turn of the loop instead of real time. */
const instantSleep = (_delayMs, { signal }) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) reject(signal.reason);
    else setImmediate(resolve);
  });

/**
 * A clock whose waits pass at once: each wait moves its time forward and ends on the next turn of
 * the loop. The adapter and its default pacing (gate, spacing) both wait on it. Housekeeping waits
 * (unref'd) never end on it; they are cancelled when their owner closes.
 */
function instantClock(startMs = Date.UTC(2026, 0, 1)) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    sleep: (delayMs, { signal, unref = false } = {}) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        if (unref) {
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
          return;
        }
        nowMs += Math.max(0, delayMs);
        setImmediate(resolve);
      }),
  };
}

/**
 * A WebSocket session's clock: the decided waits pass at once (as on {@link instantClock}); its
 * connections' deadlines (unref'd: close after an error, the closing handshake) run on real
 * timers, so a server that never closes still ends the connection.
 */
function wsClock() {
  const instant = instantClock();
  return {
    now: instant.now,
    sleep: (delayMs, options = {}) =>
      options.unref
        ? new Promise((resolve, reject) => {
            const { signal } = options;
            if (signal?.aborted) return reject(signal.reason);
            const timer = setTimeout(() => {
              signal?.removeEventListener('abort', onAbort);
              resolve();
            }, delayMs);
            timer.unref();
            const onAbort = () => {
              clearTimeout(timer);
              reject(signal.reason);
            };
            signal?.addEventListener('abort', onAbort, { once: true });
          })
        : instant.sleep(delayMs, options),
  };
}

const wsSessionEnd = (session) =>
  session.closed.then(({ code, error }) => {
    if (error) throw error;
    return code;
  });

/** Breeze sync TTS through got + the adapter: 502 UPSTREAM_GENERATION_ERROR (retry) and cut connections (fail). */
async function httpRetries(total) {
  const sim = await startVendorSimulator({
    vendor: 'breeze',
    faultPlan: {
      seed: 7,
      faults: [
        { kind: 'drop', when: 'before-response', probability: 0.02, match: { endpoint: 'breeze.tts' } },
        {
          kind: 'error',
          code: 'UPSTREAM_GENERATION_ERROR',
          probability: 0.3,
          match: { endpoint: 'breeze.tts' },
        },
      ],
    },
  });
  const client = got.extend(
    { prefixUrl: sim.url, headers: { 'xi-api-key': 'brz_leak_key' } },
    // A 30% failure rate would exhaust the default pacing's retry budget (gRPC's 10%): this phase
    // is about retries running to the end, so the budget is off (pacing keeps its gate).
    vendorResilience('breeze', {
      clock: instantClock(),
      pacing: createPacing({ clock: instantClock(), retryBudget: false }),
    }),
  );
  await pool(total, 16, (i) =>
    settle('http', client.post('v1/text-to-speech/voice_1', { json: { text: `hello ${i}` } }).buffer()),
  );
  await sim.close();
}

/** ZenHire async jobs: submit, then polls on the server's schedule on a manual clock the waits advance. */
async function jobs(total) {
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const sim = await startVendorSimulator({
    vendor: 'zenhire',
    clock,
    pollsUntilDone: 2,
    minPollIntervalMs: 10_000,
  });
  // The adapter's clock: the manual clock's time, and each wait a call awaits moves it forward
  // and passes on the next turn; housekeeping (unref'd) waits end when time passes them.
  const time = {
    now: () => clock.now(),
    sleep: (delayMs, options = {}) => {
      if (options.unref) return clock.sleep(delayMs, options);
      clock.advance(Math.max(0, delayMs));
      return instantSleep(delayMs, options);
    },
  };
  await pool(total, 16, () =>
    settle(
      'job',
      runVendorJob(
        'zenhire',
        presetJob('zenhire', { baseUrl: sim.url, submit: { headers: { 'x-api-key': 'zh_leak' }, json: {} } }),
        { clock: time },
      ),
    ),
  );
  await sim.close();
}

/** Audixa WebSocket streams; half the connections end with an error message + close 1011 (reconnect). */
async function wsReconnects(total) {
  const sim = await startVendorSimulator({
    vendor: 'audixa',
    faultPlan: {
      seed: 3,
      faults: [{ kind: 'ws-error', afterMessages: 1, closeCode: 1011, probability: 0.5 }],
    },
  });
  const open = createResilientWebSocket('audixa', {
    url: `${sim.wsUrl}/v3/tts/stream?api_key=ax_leak_key`,
    setup: () => ({
      text: 'Hello from the leak test, long enough text.',
      voice_id: 'am_ethan',
      model: 'base',
    }),
    clock: wsClock(),
    pacing: createPacing({ clock: instantClock(), retryBudget: false }),
  });
  await pool(total, 8, () => settle('ws', wsSessionEnd(open())));
  await sim.close();
}

/** Aborts and close() in every state: waiting, in flight, connecting, open, queued in a pacer. */
async function aborts(share) {
  // 1. got call aborted while waiting out a real 60 s Retry-After (real sleep).
  const slow = await startVendorSimulator({
    vendor: 'breeze',
    faultPlan: {
      faults: [
        { kind: 'latency', delayMs: 40, match: { endpoint: 'breeze.job' } },
        { kind: 'error', code: 'RATE_LIMITED', retryAfterSeconds: 60, match: { endpoint: 'breeze.tts' } },
      ],
    },
  });
  const breeze = got.extend({ prefixUrl: slow.url, headers: { 'xi-api-key': 'brz_leak_key' } });
  // The first 429 also closes breeze's vendor-wide gate (default pacing) for 60 s: later calls are
  // aborted while held behind it, before they send anything.
  await pool(share.waiting, 16, () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 20);
    const client = breeze.extend(
      vendorResilience('breeze', {
        signal: controller.signal,
        onDecision: () => setTimeout(() => controller.abort(), 1),
      }),
    );
    return settle('abort-waiting', client.post('v1/text-to-speech/v', { json: { text: 'x' } }).buffer(), {
      abortExpected: true,
    }).finally(() => clearTimeout(timer));
  });
  trace('abort in flight');
  // 2. got call aborted while the request is in flight (the server holds the answer 40 ms).
  await pool(share.inFlight, 16, () => {
    const controller = new AbortController();
    const client = breeze.extend(vendorResilience('breeze', { signal: controller.signal }));
    const timer = setTimeout(() => controller.abort(), 5);
    return settle('abort-in-flight', client.get('v1/generation-jobs/job_1').buffer(), {
      abortExpected: true,
    }).finally(() => clearTimeout(timer));
  });
  await slow.close();

  trace('abort job');
  // 3. runVendorJob aborted while waiting for the next poll (ZenHire's 10 s+ interval, real sleep).
  const zen = await startVendorSimulator({ vendor: 'zenhire', pollsUntilDone: 100 });
  await pool(share.jobWaiting, 16, () => {
    const controller = new AbortController();
    return settle(
      'abort-job-waiting',
      runVendorJob(
        'zenhire',
        presetJob('zenhire', { baseUrl: zen.url, submit: { headers: { 'x-api-key': 'zh_leak' }, json: {} } }),
        { signal: controller.signal, onDecision: () => setTimeout(() => controller.abort(), 1) },
      ),
      { abortExpected: true },
    );
  });
  await zen.close();

  trace('ws close');
  // 4. WebSocket sessions closed while connecting, while waiting to reconnect, and while open.
  const ws = await startVendorSimulator({
    vendor: 'audixa',
    faultPlan: {
      faults: [
        {
          kind: 'reject-upgrade',
          status: 503,
          retryAfterSeconds: 60,
          match: { endpoint: 'audixa.ws-stream' },
          probability: 0.5,
        },
      ],
    },
  });
  const openWs = createResilientWebSocket('audixa', {
    url: `${ws.wsUrl}/v3/tts/stream?api_key=ax_leak_key`,
    setup: () => ({
      text: 'Hello from the leak test, long enough text.',
      voice_id: 'am_ethan',
      model: 'base',
    }),
  });
  await pool(share.wsConnecting, 16, () => {
    const session = openWs();
    session.close();
    return settle('ws-close-connecting', wsSessionEnd(session));
  });
  trace('ws states');
  await pool(share.wsStates, 16, () => {
    const session = openWs();
    // Refused (503, Retry-After 60 s): closed while waiting. Accepted: closed once open. Held behind
    // the gate a refusal closed (default pacing): closed while queued.
    session.once('reconnecting', () => session.close());
    session.once('open', () => session.close());
    const timer = setTimeout(() => session.close(), 20);
    return settle('ws-close-waiting-or-open', wsSessionEnd(session)).finally(() => clearTimeout(timer));
  });
  await ws.close();

  trace('pacer');
  // 5. Calls queued in a pacer whose only slot is held: aborted while queued (direct, through the
  //    got adapter, and WebSocket sessions closed while waiting for a turn), and rejected by close().
  const pacing = createPacing({
    vendors: {
      breeze: { maxConcurrent: 1, requestsPerMinute: 600_000 },
      audixa: { maxConcurrent: 1, requestsPerMinute: 600_000 },
    },
  });
  const releases = [];
  const hold = (vendor, credential) => {
    const pacer = pacing.pacer({ vendor, credential });
    // Not counted as a call: it only holds the slot. It must still end normally.
    const held = pacer.schedule(() => new Promise((resolve) => releases.push(resolve)));
    return { pacer, held };
  };
  const breezeSlot = hold('breeze', 'brz_leak_key');
  const audixaSlot = hold('audixa', 'ax_leak_key');
  while (breezeSlot.pacer.counts().running === 0 || audixaSlot.pacer.counts().running === 0) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const abortNow = async (kind, start) => {
    const controller = new AbortController();
    const call = settle(kind, start(controller.signal), { abortExpected: true });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    return call;
  };
  await pool(share.pacerAbort, 32, () =>
    abortNow('pacer-abort-queued', (signal) => breezeSlot.pacer.schedule(async () => 'ran', { signal })),
  );
  const pacedClient = got.extend(
    { prefixUrl: 'http://127.0.0.1:9', headers: { 'xi-api-key': 'brz_leak_key' } },
    vendorResilience('breeze', { pacing }),
  );
  await pool(share.adapterQueued, 32, () =>
    abortNow('got-abort-queued-in-pacer', (signal) =>
      pacedClient.post('v1/text-to-speech/v', { json: { text: 'x' }, signal }).buffer(),
    ),
  );
  const pacedWs = createResilientWebSocket('audixa', {
    url: 'ws://127.0.0.1:9/v3/tts/stream?api_key=ax_leak_key',
    pacing,
  });
  await pool(share.wsQueued, 32, async () => {
    const session = pacedWs();
    await new Promise((resolve) => setImmediate(resolve));
    session.close();
    return settle('ws-close-queued-in-pacer', wsSessionEnd(session));
  });
  const closedOnes = Array.from({ length: share.pacerClose }, () =>
    settle(
      'pacer-rejected-by-close',
      breezeSlot.pacer.schedule(async () => 'ran'),
      { closedExpected: true },
    ),
  );
  await new Promise((resolve) => setImmediate(resolve));
  // close() rejects the queued calls at once and waits (bounded) for the running ones: release them.
  const closing = pacing.close();
  for (const release of releases) release();
  await closing;
  await Promise.all([breezeSlot.held, audixaSlot.held, ...closedOnes]);
}

const heap = () => {
  for (let i = 0; i < 4; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const settleLoop = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

// 10 000 calls at scale 1 (7 000 in the abort/close section, 3 500 retried or polled).
const shares = {
  waiting: 300,
  inFlight: 200,
  jobWaiting: 200,
  wsConnecting: 800,
  wsStates: 300,
  pacerAbort: 1500,
  adapterQueued: 2400,
  wsQueued: 300,
  pacerClose: 500,
};

async function workload(scale) {
  const m = (count) => Math.max(1, Math.round(count * scale));
  trace('http');
  await httpRetries(m(2500));
  trace('jobs');
  await jobs(m(600));
  trace('ws');
  await wsReconnects(m(400));
  trace('aborts');
  await aborts(
    Object.fromEntries(Object.entries(shares).map(([k, v]) => [k, Math.max(1, Math.round(v * scale))])),
  );
}

const started = Date.now();
// Warm-up: load every code path once so the baseline holds the modules' lazy state, not the workload's.
await workload(0.01);
await settleLoop();
const warmupCalls = calls;
const heapBefore = heap();
calls = 0;
for (const key of Object.keys(outcomes)) delete outcomes[key];
await workload(SCALE);
await settleLoop();
const heapAfter = heap();
// Let zero-delay yields already in progress (bottleneck's stop() loop) finish before looking at what is left.
await new Promise((resolve) => setTimeout(resolve, 100));
const activeResources = process.getActiveResourcesInfo();
process.stdout.write(
  `${JSON.stringify({
    calls,
    warmupCalls,
    outcomes,
    heapBefore,
    heapAfter,
    heapGrowth: heapAfter - heapBefore,
    workloadMs: Date.now() - started,
    activeResources,
    uptimeMs: Math.round(process.uptime() * 1000),
  })}\n`,
);
