/**
 * How each example runs against the local simulator: which vendor to start, the faults its
 * header comment promises it survives, and the environment that points it at the simulator.
 * `scripts/run-example.mjs` runs an example from this table; `test/integration/examples/`
 * runs every one of them and checks, from the simulator's request log, that the faults
 * happened and were survived.
 */
import type { FaultPlan, VendorName, VendorSimulator } from 'vendor-resilience/testing';

/** Where the simulator listens, as the examples need it. */
export type SimulatorAddress = Pick<VendorSimulator, 'url' | 'wsUrl'>;

/** One example's run against the simulator. */
export interface ExampleSetup {
  /** The vendor the simulator impersonates. */
  vendor: VendorName;
  /** The faults, in words (the runner prints it). */
  faults: string;
  /** Recoverable faults only: the example is expected to succeed despite them. */
  faultPlan: FaultPlan;
  /** Environment variables pointing the example at the simulator with `apiKey`. */
  env(sim: SimulatorAddress, apiKey: string): Record<string, string>;
  /** Command-line arguments (file names are of `inputs`, in the working directory). */
  args: readonly string[];
  /** Input files the example reads, created in its working directory. */
  inputs: Readonly<Record<string, Uint8Array>>;
}

/** A short valid WAV file of silence (16-bit mono, 16 kHz): real input for the speech endpoints. */
function silentWav(durationMs = 250): Buffer {
  const sampleRate = 16_000;
  const dataBytes = Math.round((sampleRate * durationMs) / 1000) * 2;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return Buffer.concat([header, Buffer.alloc(dataBytes)]);
}

/** Stand-in bytes for an MP3 recording: the simulator stores uploads, it does not decode them. */
function fakeMp3(): Buffer {
  return Buffer.concat([
    Buffer.from('ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000', 'latin1'),
    Buffer.alloc(2048),
  ]);
}

/** The ZenHire job, through got (http-zenhire-job) and through fetch (fetch-zenhire-job). */
const ZENHIRE_JOB: ExampleSetup = {
  vendor: 'zenhire',
  faults:
    'the submit answers 503 SERVICE_WARMING_UP (Retry-After 30 s) once; the first poll answers 429 POLL_RATE_LIMITED (Retry-After 10 s); the run is processing once',
  faultPlan: {
    faults: [
      {
        kind: 'error',
        code: 'SERVICE_WARMING_UP',
        retryAfterSeconds: 30,
        times: 1,
        match: { endpoint: 'zenhire.submit' },
      },
      {
        kind: 'error',
        code: 'POLL_RATE_LIMITED',
        retryAfterSeconds: 10,
        times: 1,
        match: { endpoint: 'zenhire.poll' },
      },
    ],
  },
  env: (sim, apiKey) => ({ ZENHIRE_BASE_URL: sim.url, ZENHIRE_API_KEY: apiKey }),
  args: ['interview.mp3'],
  inputs: { 'interview.mp3': fakeMp3() },
};

/** Every example in `examples/`, by file name. */
export const EXAMPLE_SETUPS = {
  'audixa-ws-stream': {
    vendor: 'audixa',
    faults: 'the stream dies with an error message and close 1011 after 3 messages',
    faultPlan: { faults: [{ kind: 'ws-error', afterMessages: 3, closeCode: 1011, times: 1 }] },
    env: (sim, apiKey) => ({ AUDIXA_WS_URL: `${sim.wsUrl}/v3/tts/stream`, AUDIXA_API_KEY: apiKey }),
    args: [],
    inputs: {},
  },
  'fetch-breeze-tts': {
    vendor: 'breeze',
    faults: 'the request answers 429 RATE_LIMITED (Retry-After 5 s), then 502 UPSTREAM_GENERATION_ERROR once',
    faultPlan: {
      faults: [
        {
          kind: 'error',
          code: 'RATE_LIMITED',
          retryAfterSeconds: 5,
          times: 1,
          match: { endpoint: 'breeze.tts' },
        },
        { kind: 'error', code: 'UPSTREAM_GENERATION_ERROR', times: 1, match: { endpoint: 'breeze.tts' } },
      ],
    },
    env: (sim, apiKey) => ({ BREEZE_BASE_URL: sim.url, BREEZE_API_KEY: apiKey, BREEZE_VOICE_ID: 'voice_1' }),
    args: [],
    inputs: {},
  },
  'gradium-ws-tts': {
    vendor: 'gradium',
    faults:
      'the browser-token endpoint answers 500 "error from server 1011" once; the session dies with close 1011 after 3 messages',
    faultPlan: {
      faults: [
        { kind: 'error', code: '1011', times: 1, match: { endpoint: 'gradium.token' } },
        { kind: 'ws-error', afterMessages: 3, closeCode: 1011, times: 1 },
      ],
    },
    env: (sim, apiKey) => ({
      GRADIUM_WS_URL: `${sim.wsUrl}/api/speech/tts`,
      GRADIUM_API_KEY: apiKey,
      // Single-use tokens: a reconnect only works if the example mints a fresh one.
      GRADIUM_TOKEN_URL: `${sim.url}/api/api-keys/token`,
    }),
    args: [],
    inputs: {},
  },
  'http-audixa-job': {
    vendor: 'audixa',
    faults: 'the first generation ends FAILED; one status poll answers 500',
    faultPlan: {
      faults: [
        { kind: 'job-failure', message: 'Generation failed on the worker', times: 1 },
        { kind: 'error', status: 500, times: 1, match: { endpoint: 'audixa.poll' } },
      ],
    },
    env: (sim, apiKey) => ({ AUDIXA_BASE_URL: sim.url, AUDIXA_API_KEY: apiKey }),
    args: [],
    inputs: {},
  },
  'http-breeze-tts': {
    vendor: 'breeze',
    faults: 'the sync request answers 502 UPSTREAM_GENERATION_ERROR twice',
    faultPlan: {
      faults: [
        { kind: 'error', code: 'UPSTREAM_GENERATION_ERROR', times: 2, match: { endpoint: 'breeze.tts' } },
      ],
    },
    env: (sim, apiKey) => ({ BREEZE_BASE_URL: sim.url, BREEZE_API_KEY: apiKey, BREEZE_VOICE_ID: 'voice_1' }),
    args: [],
    inputs: {},
  },
  'http-elsa-score': {
    vendor: 'elsa',
    faults: 'scoring answers "ASR timeout" twice',
    faultPlan: { faults: [{ kind: 'error', code: 'ASRSocketTimeout', times: 2 }] },
    env: (sim, apiKey) => ({ ELSA_BASE_URL: sim.url, ELSA_API_TOKEN: apiKey }),
    args: ['audio.wav'],
    inputs: { 'audio.wav': silentWav() },
  },
  'http-gradium-stt': {
    vendor: 'gradium',
    faults: 'a 200 stream whose first line is an error; then a 500 "error from server 1011"',
    faultPlan: {
      faults: [
        { kind: 'stream-error', afterLines: 0, message: 'worker lost', times: 1 },
        // The first request streams (and meets the error line); the second gets the 1011.
        { kind: 'error', code: '1011', after: 1, times: 1, match: { endpoint: 'gradium.asr' } },
      ],
    },
    env: (sim, apiKey) => ({ GRADIUM_BASE_URL: sim.url, GRADIUM_API_KEY: apiKey }),
    args: ['audio.wav'],
    inputs: { 'audio.wav': silentWav() },
  },
  'http-zenhire-job': ZENHIRE_JOB,
  'fetch-zenhire-job': ZENHIRE_JOB,
} satisfies Record<string, ExampleSetup>;

/** The name of an example (its file name in `examples/`, without `.ts`). */
export type ExampleName = keyof typeof EXAMPLE_SETUPS;

/** The module the runners load with `node --import` to run an example on the simulator's faster clock. */
export const SCALED_TIME_PRELOAD = 'examples/support/scaled-time-preload.ts';
/** The environment variable holding the time scale (simulated ms per real ms) the preload applies. */
export const TIME_SCALE_VARIABLE = 'EXAMPLE_TIME_SCALE';
/** The environment variable holding the instant (ms since the epoch) the scaled clocks agree on. */
export const TIME_ORIGIN_VARIABLE = 'EXAMPLE_TIME_ORIGIN';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Throws unless every URL among `variables` (an example's environment, as its setup names it) is
 * on this machine: a time scale is for the local simulator; a real vendor runs on real time.
 */
export function refuseScaleForRemoteUrls(variables: Readonly<Record<string, string | undefined>>): void {
  for (const value of Object.values(variables)) {
    if (value === undefined || !URL.canParse(value)) continue;
    const { protocol, hostname: host } = new URL(value);
    if (['http:', 'https:', 'ws:', 'wss:'].includes(protocol) && !LOOPBACK_HOSTS.has(host)) {
      throw new Error(
        `${TIME_SCALE_VARIABLE} is for the local simulator only; ${host} is a real vendor, which runs on real time`,
      );
    }
  }
}
