#!/usr/bin/env node
// Soak run (issue 8 part 7): a bounded mixed-fault run of every call kind against the five vendor
// simulators, through one shared createPacing(). Reports every 10 s; at the end asserts that no call
// was lost (each started call ended in success or a VendorError), closes everything and exits
// 0, or 1 when a call was lost or a non-VendorError escaped. Needs the built dist/ (`npm run build`).
//
//   node scripts/soak.mjs [--seconds N] [--scale S] [--interval MS] [--no-redis]
//
// Disruptions (issue 13): pacing is shared through a redis-server this script starts (cluster mode;
// skipped with --no-redis or when redis-server is not installed), which is flushed (FLUSHALL) and
// killed and restarted on the same port, without persistence, every few seconds; and one call in
// five is aborted by its caller at a random moment. An aborted call must end with its abort; a call
// refused while Redis is down must end with a VendorError (pacing_unavailable); nothing may stay
// pending, and no library wait may be left once everything is closed.
//
// Time: the simulators, the engine, the adapters' waits and pacing read one clock running S× (default
// 20×) faster than the wall clock, so documented waits (a 30–60 s warm-up backoff) are honoured in
// full on that clock and the run still meets many of them.
import got from 'got';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { pipeline } from 'node:stream/promises';
import { createPacing, isVendorError } from '../dist/lib/index.js';
import {
  presetJob,
  readVendorMessages,
  runVendorJob,
  vendorResilience,
} from '../dist/lib/adapters/got/index.js';
import { createResilientWebSocket, messageTypeIs } from '../dist/lib/adapters/ws/index.js';
import { startVendorSimulator } from '../dist/lib/testing/index.js';
import { createScaledTime } from '../dist/demo/time-scale.js';
import { fakeAudio, multipart } from '../dist/demo/workloads/payloads.js';
import { liveWork } from '../dist/lib/run/live-work.js';

// ------------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const settings = { seconds: 60, scale: 20, interval: 60, drainSeconds: 60, redis: true };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name === '--no-redis') {
      settings.redis = false;
      continue;
    }
    const key = { '--seconds': 'seconds', '--scale': 'scale', '--interval': 'interval' }[name];
    const value = Number(argv[i + 1]);
    if (key === undefined || !Number.isFinite(value) || value <= 0) {
      console.error(`usage: node scripts/soak.mjs [--seconds N] [--scale S] [--interval MS] (bad: ${name})`);
      process.exit(2);
    }
    settings[key] = value;
    i++;
  }
  return settings;
}
const settings = parseArgs(process.argv.slice(2));

// ------------------------------------------------------------------------------------------------
// Simulators with mixed fault plans (probabilities, so faults keep coming for the whole run)

const KEYS = {
  gradium: 'gd_soak_key',
  elsa: 'elsa_soak_token',
  audixa: 'ax_soak_key',
  zenhire: 'zh_soak_key',
  breeze: 'brz_soak_key',
};
const HEADERS = {
  gradium: { 'x-api-key': KEYS.gradium },
  elsa: { authorization: `ELSA ${KEYS.elsa}` },
  audixa: { 'x-api-key': KEYS.audixa },
  zenhire: { 'x-api-key': KEYS.zenhire },
  breeze: { 'xi-api-key': KEYS.breeze },
};
const latency = { kind: 'latency', delayMs: 15, probability: 0.3 };
const PLANS = {
  gradium: [
    latency,
    { kind: 'error', code: '1011', probability: 0.15, match: { endpoint: 'gradium.tts' } },
    { kind: 'error', code: '1008', probability: 0.03, match: { endpoint: 'gradium.tts' } },
    {
      kind: 'stream-error',
      afterLines: 0,
      message: 'worker lost',
      probability: 0.15,
      match: { endpoint: 'gradium.asr' },
    },
    {
      kind: 'stream-error',
      afterLines: 2,
      message: 'worker lost',
      probability: 0.05,
      match: { endpoint: 'gradium.asr' },
    },
    { kind: 'ws-error', afterMessages: 1, closeCode: 1011, probability: 0.15 },
    { kind: 'ws-error', afterMessages: 0, closeCode: 1008, message: 'API key is revoked', probability: 0.03 },
    { kind: 'drop', when: 'mid-response', probability: 0.03 },
  ],
  elsa: [
    latency,
    { kind: 'error', code: 'ASRSocketTimeout', probability: 0.2, match: { endpoint: 'elsa.score-audio' } },
    {
      kind: 'error',
      code: 'FailedToDecodeAudioFromBytes',
      probability: 0.03,
      match: { endpoint: 'elsa.score-audio' },
    },
    { kind: 'ws-error', afterMessages: 1, closeCode: 1011, message: 'ASR timeout', probability: 0.15 },
    { kind: 'drop', when: 'before-response', probability: 0.03 },
  ],
  audixa: [
    latency,
    { kind: 'reject-upgrade', status: 429, retryAfterSeconds: 2, probability: 0.05 },
    { kind: 'rate-limit', tokensPerSecond: 0.5, burst: 3, match: { endpoint: 'audixa.create' } },
    { kind: 'job-failure', message: 'voice model worker restarted', probability: 0.1 },
    { kind: 'ws-error', afterMessages: 2, closeCode: 1011, probability: 0.15 },
    { kind: 'drop', when: 'before-response', probability: 0.03, match: { endpoint: 'audixa.poll' } },
  ],
  zenhire: [
    latency,
    // A deploy 10 s (wall) into the run: 2 simulated minutes of 503 SERVICE_WARMING_UP.
    { kind: 'warm-up', startMs: 10_000 * settings.scale, durationMs: 120_000, retryAfterSeconds: 30 },
    { kind: 'rate-limit', tokensPerSecond: 0.3, burst: 4, match: { endpoint: 'zenhire.submit' } },
    { kind: 'job-failure', code: 'TRANSCRIPTION_FAILED', probability: 0.1 },
    { kind: 'drop', when: 'before-response', probability: 0.05, match: { endpoint: 'zenhire.poll' } },
  ],
  breeze: [
    latency,
    { kind: 'warm-up', startMs: 30_000 * settings.scale, durationMs: 60_000, retryAfterSeconds: 5 },
    {
      kind: 'error',
      code: 'UPSTREAM_GENERATION_ERROR',
      probability: 0.15,
      match: { endpoint: 'breeze.tts' },
    },
    {
      kind: 'error',
      code: 'UPSTREAM_GENERATION_SERVICE_ERROR',
      probability: 0.03,
      match: { endpoint: 'breeze.tts' },
    },
    {
      kind: 'error',
      code: 'GENERATION_CONCURRENCY_EXCEEDED',
      probability: 0.05,
      match: { endpoint: 'breeze.tts' },
    },
    { kind: 'drop', when: 'mid-response', probability: 0.03 },
  ],
};

const time = createScaledTime(settings.scale);
const sims = {};
for (const [index, vendor] of Object.keys(PLANS).entries()) {
  sims[vendor] = await startVendorSimulator({
    vendor,
    apiKey: KEYS[vendor],
    clock: time.clock,
    faultPlan: { seed: 1000 + index, faults: PLANS[vendor] },
  });
}
// ------------------------------------------------------------------------------------------------
// Redis (cluster-mode pacing), disrupted during the run

const redisBinary = settings.redis ? findRedisServer() : undefined;
if (settings.redis && !redisBinary) console.log('soak: redis-server not found; pacing stays in process');
const redisPort = redisBinary ? await freePort() : undefined;
let redisChild = redisBinary ? await startRedis() : undefined;
const disruptions = { flushes: 0, restarts: 0 };

function findRedisServer() {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const child = spawn(
    redisBinary,
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const client = new Redis({
    port: redisPort,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 50,
  });
  client.on('error', () => undefined);
  for (let i = 0; i < 200; i++) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch {
      client.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  client.disconnect();
  return child;
}

async function stopRedis() {
  const child = redisChild;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Every 4 s (real): FLUSHALL, or kill and restart redis-server (in turn). */
async function disrupt() {
  if (!redisChild) return;
  if ((disruptions.flushes + disruptions.restarts) % 2 === 0) {
    const client = new Redis({ port: redisPort, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    await client.flushall().catch(() => undefined);
    client.disconnect();
    disruptions.flushes++;
  } else {
    await stopRedis();
    await new Promise((resolve) => setTimeout(resolve, 300));
    redisChild = await startRedis();
    disruptions.restarts++;
  }
}

const pacing = createPacing({
  clock: time.clock,
  ...(redisPort ? { redis: `redis://127.0.0.1:${redisPort}`, redisTimeoutMs: 500, idleExpiryMs: 5_000 } : {}),
});
const httpOptions = { clock: time.clock, pacing };
const clients = Object.fromEntries(
  Object.keys(KEYS).map((vendor) => [
    vendor,
    got.extend({ headers: HEADERS[vendor] }, vendorResilience(vendor, httpOptions)),
  ]),
);
const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });

// ------------------------------------------------------------------------------------------------
// Call kinds: every adapter (got promise, got stream, runVendorJob, readVendorMessages, WS session)

/** One WS session; resolves when the session ends (the client closes it once the result arrives). */
async function session(vendor, { url, setup, readyType, messages, resultType }, signal) {
  const open = createResilientWebSocket(vendor, {
    url,
    headers: HEADERS[vendor],
    setup: () => setup,
    ...(readyType === undefined ? {} : { isReady: messageTypeIs(readyType) }),
    replay: true,
    clock: time.clock,
    scheduler: time.scheduler,
    pacing,
    signal,
  });
  const ws = open();
  let done = false;
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    try {
      if (JSON.parse(data.toString()).type === resultType) {
        done = true;
        ws.close(1000, 'done');
      }
    } catch {
      // not JSON: ignore
    }
  });
  ws.on('error', () => undefined); // the error is also on `closed`
  for (const message of messages) ws.send(message);
  const end = await ws.closed;
  if (end.error) throw end.error;
  if (!done) throw new Error(`ws ${vendor}: closed ${end.code} without a ${resultType}`);
}

const zenhireForm = () =>
  multipart([
    { name: 'audio', filename: 'answer.wav', contentType: 'audio/wav', data: fakeAudio(8_000) },
    { name: 'language', value: 'en' },
  ]);
const elsaForm = () =>
  multipart([
    { name: 'audio_file', filename: 'speech.wav', contentType: 'audio/wav', data: fakeAudio(16_000) },
    { name: 'sentence', value: 'I would like a cup of coffee' },
  ]);
const GRADIUM_TTS = {
  text: 'Welcome back.',
  voice_id: 'YTpq7expH9539ERJ',
  output_format: 'wav',
  only_audio: true,
};

const KINDS = {
  'gradium.promise': (signal) =>
    clients.gradium.post(`${sims.gradium.url}/api/post/speech/tts`, { json: GRADIUM_TTS, signal }).buffer(),
  'gradium.stream': (signal) =>
    pipeline(
      clients.gradium.stream.post(`${sims.gradium.url}/api/post/speech/tts`, { json: GRADIUM_TTS, signal }),
      sink(),
    ),
  'gradium.messages': async (signal) => {
    const messages = [];
    for await (const message of readVendorMessages('gradium', `${sims.gradium.url}/api/post/speech/asr`, {
      ...httpOptions,
      signal,
      request: {
        method: 'POST',
        headers: { ...HEADERS.gradium, 'content-type': 'audio/wav' },
        body: fakeAudio(16_000),
      },
    })) {
      messages.push(message);
    }
    return messages;
  },
  'gradium.ws': (signal) =>
    session(
      'gradium',
      {
        url: `${sims.gradium.wsUrl}/api/speech/tts`,
        setup: { type: 'setup', model_name: 'default', voice_id: 'YTpq7expH9539ERJ', output_format: 'pcm' },
        readyType: 'ready',
        messages: [
          JSON.stringify({ type: 'text', text: 'Hello' }),
          JSON.stringify({ type: 'end_of_stream' }),
        ],
        resultType: 'end_of_stream',
      },
      signal,
    ),
  'elsa.promise': (signal) => {
    const form = elsaForm();
    return clients.elsa
      .post(`${sims.elsa.url}/api/v2/score_audio`, {
        headers: { 'content-type': form.contentType },
        body: form.body,
        signal,
      })
      .json();
  },
  'elsa.ws': (signal) =>
    session(
      'elsa',
      {
        url: `${sims.elsa.wsUrl}/api/v2/ws/score_audio`,
        setup: {
          type: 'ELSA:start_stream',
          data: { stream_info: { sentence: 'I would like a cup of coffee' } },
        },
        readyType: 'ELSA:start_stream_result',
        messages: [fakeAudio(3_200), JSON.stringify({ type: 'ELSA:end_stream' })],
        resultType: 'ELSA:decoding_result',
      },
      signal,
    ),
  'audixa.job': (signal) =>
    runVendorJob(
      'audixa',
      presetJob('audixa', {
        baseUrl: sims.audixa.url,
        submit: { headers: HEADERS.audixa, json: { text: 'Hello', voice_id: 'am_ethan', model: 'base' } },
      }),
      { ...httpOptions, signal },
    ),
  'audixa.ws': (signal) =>
    session(
      'audixa',
      {
        url: `${sims.audixa.wsUrl}/v3/tts/stream?api_key=${KEYS.audixa}`,
        setup: { text: 'Hello', voice_id: 'am_ethan', model: 'base', audio_format: 'wav' },
        messages: [],
        resultType: 'completed',
      },
      signal,
    ),
  'zenhire.job': (signal) => {
    const form = zenhireForm();
    return runVendorJob(
      'zenhire',
      presetJob('zenhire', {
        baseUrl: sims.zenhire.url,
        submit: { headers: { ...HEADERS.zenhire, 'content-type': form.contentType }, body: form.body },
      }),
      { ...httpOptions, signal },
    );
  },
  'breeze.promise': (signal) =>
    clients.breeze
      .post(`${sims.breeze.url}/v1/text-to-speech/voice1`, {
        json: { text: 'Hi', output_format: 'mp3' },
        signal,
      })
      .buffer(),
  'breeze.job': (signal) =>
    runVendorJob(
      'breeze',
      presetJob('breeze', {
        baseUrl: sims.breeze.url,
        voiceId: 'voice1',
        submit: { headers: HEADERS.breeze, json: { text: 'Hi', output_format: 'mp3', delivery: 'async' } },
      }),
      { ...httpOptions, signal },
    ),
};
const kindNames = Object.keys(KINDS);

// ------------------------------------------------------------------------------------------------
// The run

const counts = { started: 0, ended: 0, escaped: 0, aborted: 0 };
/** kind → outcome (`success`, a VendorError category, or `ESCAPED <name>`) → count */
const outcomes = Object.fromEntries(kindNames.map((kind) => [kind, {}]));
const inFlight = new Map();
const escapes = [];
let nextCall = 0;

function record(kind, outcome) {
  outcomes[kind][outcome] = (outcomes[kind][outcome] ?? 0) + 1;
}

function start(kind) {
  const id = nextCall++;
  counts.started++;
  // One call in five is abandoned by its caller at a random moment (before sending, mid-try, mid-wait).
  const controller = new globalThis.AbortController();
  let abortTimer;
  if (id % 5 === 2) {
    abortTimer = setTimeout(
      () => controller.abort(new Error('soak: the caller gave up')),
      Math.random() * 1500,
    );
    counts.aborted++;
  }
  const call = Promise.resolve()
    .then(() => KINDS[kind](controller.signal))
    .then(
      () => record(kind, 'success'),
      (error) => {
        if (isVendorError(error)) return record(kind, error.category);
        if (controller.signal.aborted) return record(kind, 'aborted by caller');
        counts.escaped++;
        record(kind, `ESCAPED ${error?.name ?? typeof error}`);
        if (escapes.length < 10) escapes.push(`${kind}: ${String(error?.stack ?? error)}`);
      },
    )
    .finally(() => {
      clearTimeout(abortTimer);
      counts.ended++;
      inFlight.delete(id);
    });
  inFlight.set(id, { kind, startedAt: performance.now(), call });
}

process.on('unhandledRejection', (reason) => {
  counts.escaped++;
  if (escapes.length < 10) escapes.push(`unhandled rejection: ${String(reason?.stack ?? reason)}`);
});

const heapMb = () => (process.memoryUsage().heapUsed / 1024 / 1024).toFixed(1);
const startedAt = performance.now();
const elapsedS = () => ((performance.now() - startedAt) / 1000).toFixed(0);

function outcomeLines() {
  return kindNames.map((kind) => {
    const parts = Object.entries(outcomes[kind])
      .sort((a, b) => b[1] - a[1])
      .map(([outcome, n]) => `${outcome} ${n}`);
    return `    ${kind.padEnd(17)} ${parts.join(', ') || '-'}`;
  });
}

function report(label) {
  console.log(
    `[${label} ${elapsedS()} s] calls started ${counts.started}, ended ${counts.ended}, in flight ${inFlight.size}; heap ${heapMb()} MB`,
  );
  for (const line of outcomeLines()) console.log(line);
}

console.log(
  `soak: ${settings.seconds} s, ${kindNames.length} call kinds against 5 simulators (gradium, elsa, audixa, zenhire, breeze), one call every ${settings.interval} ms, clock ×${settings.scale}; heap at start ${heapMb()} MB`,
);
const reporter = setInterval(() => report('progress'), 10_000);
const MAX_IN_FLIGHT = 200;
let disrupting = Promise.resolve();
const disrupter = setInterval(() => {
  disrupting = disrupting.then(disrupt, () => undefined);
}, 4_000);
const starter = setInterval(() => {
  if (inFlight.size >= MAX_IN_FLIGHT) return;
  start(kindNames[counts.started % kindNames.length]);
}, settings.interval);

await new Promise((resolve) => setTimeout(resolve, settings.seconds * 1000));
clearInterval(starter);
clearInterval(disrupter);
await disrupting;
console.log(
  `[${elapsedS()} s] no more calls; waiting up to ${settings.drainSeconds} s for ${inFlight.size} in flight`,
);
let drainTimer;
await Promise.race([
  Promise.allSettled([...inFlight.values()].map((c) => c.call)),
  new Promise((resolve) => (drainTimer = setTimeout(resolve, settings.drainSeconds * 1000))),
]);
clearTimeout(drainTimer);
clearInterval(reporter);

const lost = [...inFlight.values()];
const fired = Object.fromEntries(
  Object.entries(sims).map(([vendor, sim]) => [vendor, sim.faultFirings().length]),
);
const requestsSeen = Object.values(sims).reduce((n, sim) => n + sim.requests().length, 0);
await pacing.close();
await Promise.all(Object.values(sims).map((sim) => sim.close()));
await stopRedis();
// Everything is closed: no pacer call may still be pending and no library wait left running.
for (let i = 0; i < 100 && (liveWork.pacerCalls > 0 || liveWork.sleeps > 0); i++) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}
const pendingAtEnd = { pacerCalls: liveWork.pacerCalls, sleeps: liveWork.sleeps };

report('final');
const total = Object.values(outcomes).reduce((sum, byOutcome) => {
  for (const [outcome, n] of Object.entries(byOutcome)) sum[outcome] = (sum[outcome] ?? 0) + n;
  return sum;
}, {});
const successes = total.success ?? 0;
const abortedEnded = total['aborted by caller'] ?? 0;
console.log(
  `summary: ${counts.started} calls started, ${counts.ended} ended (${successes} success, ${counts.ended - successes - abortedEnded - counts.escaped} VendorError, ${abortedEnded} ended by their caller's abort, ${counts.escaped} non-VendorError), ${lost.length} lost; requests seen by the simulators ${requestsSeen}; heap ${heapMb()} MB`,
);
console.log(
  `  disruptions: ${disruptions.flushes} FLUSHALL, ${disruptions.restarts} redis-server restarts${redisPort ? '' : ' (no Redis)'}; ${counts.aborted} calls aborted by their caller; pending at the end: ${JSON.stringify(pendingAtEnd)}`,
);
console.log(
  `  faults fired: ${Object.entries(fired)
    .map(([vendor, n]) => `${vendor} ${n}`)
    .join(', ')}`,
);
console.log(
  `  by outcome: ${Object.entries(total)
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(', ')}`,
);
for (const call of lost)
  console.log(`  LOST: ${call.kind}, started ${((call.startedAt - startedAt) / 1000).toFixed(1)} s in`);
for (const escape of escapes) console.log(`  ESCAPED: ${escape}`);
const ok =
  lost.length === 0 &&
  counts.escaped === 0 &&
  counts.started === counts.ended &&
  pendingAtEnd.pacerCalls === 0 &&
  pendingAtEnd.sleeps === 0;
console.log(ok ? 'soak: OK, no call lost' : 'soak: FAILED');
process.exit(ok ? 0 : 1);
