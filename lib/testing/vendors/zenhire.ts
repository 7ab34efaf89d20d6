import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/engine/types.js';
import type { SimulatedJob } from '../job-store.js';
import type { EndpointTable } from '../endpoint-kinds.js';
import type {
  ErrorPurpose,
  ErrorSpec,
  HttpContext,
  HttpReply,
  VendorEnvironment,
  VendorModule,
} from '../vendor-contract.js';
import { authorizationKey, credentialAccepted, headerValue } from './shared.js';

/** ZenHire's endpoints, for fault plans and request logs. */
export const ZENHIRE_ENDPOINTS = {
  'zenhire.submit': { vendor: 'zenhire', transport: 'http', phase: 'submit' },
  'zenhire.poll': { vendor: 'zenhire', transport: 'http', phase: 'poll' },
} as const satisfies EndpointTable;

/**
 * ZenHire's documented HTTP error codes (code → [status, message]), so a fault can name just the code
 * (docs/vendor-docs/zenhire-errors.txt, docs/vendor-docs/VENDORS.md §4). Run-failure codes have no status.
 */
const ZENHIRE_CODES: Readonly<Record<string, readonly [number, string]>> = {
  MISSING_AUDIO_FILE: [400, 'No audio field in the multipart body.'],
  UNSUPPORTED_FORMAT: [400, "File isn't a valid MP3/WAV/M4A/WebM/OGG/FLAC."],
  FILE_TOO_LARGE: [400, 'File exceeds 25 MB.'],
  INVALID_LANGUAGE_CODE: [400, 'Invalid language code. Must be a 2-letter ISO 639-1 code.'],
  INVALID_EXTERNAL_ID: [400, 'externalId empty or > 255 chars.'],
  INVALID_METADATA: [400, 'metadata field is not valid JSON.'],
  AUDIO_TOO_SHORT: [400, 'Audio under 3 minutes.'],
  AUDIO_TOO_LONG: [400, 'Audio over 45 minutes.'],
  AUDIO_DURATION_UNAVAILABLE: [400, 'Audio duration is unreadable. Re-encode the file and resubmit.'],
  INVALID_STATUS: [400, 'Invalid status query parameter.'],
  INVALID_SERVICE_TYPE: [400, 'Invalid service type query parameter.'],
  INVALID_DATE: [400, 'Invalid date query parameter.'],
  INVALID_PARAMETERS: [400, 'Some cutSetting out of bounds.'],
  MISSING_API_KEY: [401, 'No X-API-Key or Authorization header.'],
  INVALID_API_KEY: [401, 'Key not recognized or marked inactive.'],
  API_KEY_EXPIRED: [401, 'API key has expired.'],
  CLIENT_INACTIVE: [401, 'The account behind the key has been disabled.'],
  INSUFFICIENT_CREDITS: [402, 'Balance below minimum.'],
  MULTILINGUAL_NOT_ENABLED: [403, 'Non-English languages are not enabled for this account.'],
  IP_NOT_ALLOWED: [403, 'Request did not originate from an allowed address.'],
  RATE_LIMIT_EXCEEDED: [429, 'Too many requests. Slow down.'],
  POLL_RATE_LIMITED: [429, 'Polled faster than the minimum interval for this request id.'],
  SERVICE_WARMING_UP: [503, 'The scoring service is warming up after a deployment.'],
};

/**
 * Waits announced with ZenHire's retry codes when a fault names no other ("429 rate limits and 503
 * service-warming … carry error.retryAfterSeconds and the standard HTTP Retry-After header"): the
 * warm-up's documented 30 s lower bound, the poll interval, and one second for a submit burst.
 */
const DOCUMENTED_RETRY_AFTER_SECONDS: Readonly<Record<string, number>> = {
  RATE_LIMIT_EXCEEDED: 1,
  SERVICE_WARMING_UP: 30,
};

/** ZenHire's fallback cadence for the first two minutes (docs: 0–2 min → 15 s). */
const DEFAULT_POLL_INTERVAL_SECONDS = 15;

/** ZenHire Speech Analysis: 202 submit, poll `queued → processing → success | failed`, POLL_RATE_LIMITED. */
export function createZenhireVendor(
  environment: VendorEnvironment,
): VendorModule<keyof typeof ZENHIRE_ENDPOINTS> {
  const { clock, jobs } = environment;
  const errorReply = (purpose: ErrorPurpose, spec: ErrorSpec): HttpReply =>
    zenhireErrorReply(clock, purpose, spec);
  const pollIntervalSeconds = Math.max(
    DEFAULT_POLL_INTERVAL_SECONDS,
    Math.ceil(environment.minPollIntervalMs / 1000),
  );

  const authorized = (context: HttpContext): boolean => {
    const key = headerValue(context.headers, 'x-api-key') ?? authorizationKey(context.headers);
    if (credentialAccepted(environment, key)) return true;
    // Middleware-level rejection: no requestId (documented).
    context.reply.send(
      errorReply('auth', { code: key === undefined ? 'MISSING_API_KEY' : 'INVALID_API_KEY' }),
    );
    return false;
  };

  function submit(context: HttpContext): void {
    if (!authorized(context)) return;
    if (context.body.length === 0) return context.reply.send(errorReply('validation', {}));
    const failure = context.claim('job-failure');
    const job = jobs.create('req_', failure && { code: failure.code, message: failure.message });
    context.reply.json(202, { id: job.id, status: 'queued', pollIntervalSeconds });
  }

  function poll(context: HttpContext): void {
    if (!authorized(context)) return;
    const job = jobs.get(context.params[0] ?? '');
    if (!job) return context.reply.send(errorReply('not-found', {}));
    const waitMs = msUntilPollAllowed(job);
    if (waitMs > 0) {
      const retryAfterSeconds = Math.ceil(waitMs / 1000);
      const reply = errorReply('error', { code: 'POLL_RATE_LIMITED', retryAfterSeconds });
      return context.reply.send({ ...reply, headers: { 'retry-after': String(retryAfterSeconds) } });
    }
    const state = jobs.advance(job);
    if (state === 'done') return context.reply.json(200, successBody(job));
    if (state === 'failed') {
      const code = job.failure?.code ?? 'TRANSCRIPTION_FAILED';
      const message = job.failure?.message ?? 'Audio quality issue or provider error.';
      return context.reply.json(200, { id: job.id, status: 'failed', error: { code, message } });
    }
    // Documented: "Retry-After is set on the poll response" while processing.
    context.reply.json(
      200,
      { id: job.id, status: 'processing', pollIntervalSeconds },
      { 'retry-after': String(pollIntervalSeconds) },
    );
  }

  /** Documented minimum interval per run id for non-terminal statuses, on the simulator clock. */
  function msUntilPollAllowed(job: SimulatedJob): number {
    if (job.lastPollAtMs === undefined || job.state === 'done' || job.state === 'failed') return 0;
    return job.lastPollAtMs + environment.minPollIntervalMs - clock.now();
  }

  return {
    vendor: 'zenhire',
    httpRoutes: [
      { endpoint: 'zenhire.submit', method: 'POST', path: /^\/api\/v1\/speech\/analyze$/, handle: submit },
      {
        endpoint: 'zenhire.poll',
        method: 'GET',
        path: /^\/api\/v1\/speech\/analyze\/([\w-]+)$/,
        handle: poll,
      },
    ],
    wsRoutes: [],
    errorReply,
    documentedRetryAfterSeconds: (code) =>
      code === 'POLL_RATE_LIMITED'
        ? Math.max(1, Math.ceil(environment.minPollIntervalMs / 1000))
        : DOCUMENTED_RETRY_AFTER_SECONDS[code],
    wsErrorMessage: (message, closeCode) => JSON.stringify({ error: { code: String(closeCode), message } }),
    streamErrorLine: (message) => JSON.stringify({ error: { code: 'INTERNAL_ERROR', message } }),
  };
}

function successBody(job: SimulatedJob): Record<string, unknown> {
  return {
    id: job.id,
    status: 'success',
    result: { cefr: 'B2', vocabulary: { score: 72 }, fluency: { score: 68 }, accent: { score: 81 } },
  };
}

/** The shared ZenHire envelope `{"error":{code,message,timestamp,requestId?,retryAfterSeconds?}}`. */
function zenhireErrorReply(clock: Clock, purpose: ErrorPurpose, spec: ErrorSpec): HttpReply {
  const defaults: Record<ErrorPurpose, string> = {
    error: 'INTERNAL_ERROR',
    auth: 'INVALID_API_KEY',
    validation: 'MISSING_AUDIO_FILE',
    // The poll page names no code for its 404; this one is the simulator's.
    'not-found': 'NOT_FOUND',
    'rate-limit': 'RATE_LIMIT_EXCEEDED',
    'warm-up': 'SERVICE_WARMING_UP',
  };
  const code = spec.code ?? defaults[purpose];
  const known = ZENHIRE_CODES[code];
  const status = spec.status ?? known?.[0] ?? (purpose === 'not-found' ? 404 : 500);
  const nowMs = clock.now();
  const error: Record<string, unknown> = {
    code,
    message: spec.message ?? known?.[1] ?? (status === 404 ? 'Request id not found.' : 'Unexpected error.'),
    timestamp: new Date(nowMs).toISOString(),
  };
  if (purpose !== 'auth') error['requestId'] = `req_${nowMs}_${randomBytes(3).toString('hex')}`;
  if (spec.retryAfterSeconds !== undefined) error['retryAfterSeconds'] = spec.retryAfterSeconds;
  return { status, contentType: 'application/json', body: JSON.stringify({ error }), code };
}
