import type { SimulatedJob } from '../job-store.js';
import type { EndpointTable } from '../endpoint-kinds.js';
import type {
  ErrorPurpose,
  ErrorSpec,
  HttpContext,
  HttpReply,
  VendorEnvironment,
  VendorModule,
  WsContext,
} from '../vendor-contract.js';
import type { WsSession } from '../ws-session.js';
import {
  apiKeyGuard,
  credentialAccepted,
  fakeAudio,
  headerValue,
  parseJsonObject,
  wordsOf,
} from './shared.js';

/** Audixa's endpoints, for fault plans and request logs. */
export const AUDIXA_ENDPOINTS = {
  'audixa.create': { vendor: 'audixa', transport: 'http', phase: 'submit' },
  'audixa.poll': { vendor: 'audixa', transport: 'http', phase: 'poll' },
  'audixa.audio': { vendor: 'audixa', transport: 'http', phase: 'poll' },
  'audixa.ws-stream': { vendor: 'audixa', transport: 'ws', phase: 'stream' },
} as const satisfies EndpointTable;

/** Audixa's documented free-plan limit, reported in X-RateLimit-Limit. */
const REQUESTS_PER_MINUTE = 120;

const DETAIL_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'Validation error',
  401: 'Invalid or missing API key',
  402: 'Insufficient Balance',
  404: 'Generation not found',
  422: 'Validation error',
  500: 'An unexpected error occurred. Please try again.',
  503: 'Service temporarily unavailable',
};

/** Audixa TTS v3: async create + poll, a CDN audio URL, and the WS stream. */
export function createAudixaVendor(
  environment: VendorEnvironment,
): VendorModule<keyof typeof AUDIXA_ENDPOINTS> {
  let windowStartMs = Number.NEGATIVE_INFINITY;
  let requestsInWindow = 0;

  const authorized = apiKeyGuard(environment, 'x-api-key', () => audixaErrorReply('auth', {}));

  function create(context: HttpContext): void {
    if (!authorized(context)) return;
    const invalid = validationErrors(parseJsonObject(context.body));
    if (invalid.length > 0) {
      return context.reply.json(400, { detail: 'Validation error', errors: invalid });
    }
    const failure = context.claim('job-failure');
    const job = environment.jobs.create('gen_', failure && { code: failure.code, message: failure.message });
    context.reply.json(201, { generation_id: job.id, status: 'IN_QUEUE' });
  }

  function poll(context: HttpContext): void {
    if (!authorized(context)) return;
    const id = context.url.searchParams.get('generation_id');
    const job = id === null ? undefined : environment.jobs.get(id);
    if (!job) return context.reply.send(audixaErrorReply('not-found', {}));
    context.reply.json(200, pollBody(job, environment.jobs.advance(job)));
  }

  function pollBody(job: SimulatedJob, state: SimulatedJob['state']): Record<string, unknown> {
    const base = { generation_id: job.id };
    if (state === 'done') return { ...base, status: 'COMPLETED', audio_url: audioUrl(job.id) };
    if (state === 'failed')
      return { ...base, status: 'FAILED', error_message: job.failure?.message ?? 'Generation failed' };
    return { ...base, status: state === 'queued' ? 'IN_QUEUE' : 'GENERATING' };
  }

  function audio(context: HttpContext): void {
    const job = environment.jobs.get(context.params[0] ?? '');
    if (!job || job.state !== 'done') return context.reply.send(audixaErrorReply('not-found', {}));
    context.reply.send({ status: 200, contentType: 'audio/wav', body: fakeAudio(4096, 7) });
  }

  const audioUrl = (id: string): string => `${environment.baseUrl()}/cdn/${id}.wav`;

  function stream(session: WsSession, context: WsContext): void {
    const key = context.url.searchParams.get('api_key') ?? headerValue(context.headers, 'x-api-key');
    if (!credentialAccepted(environment, key ?? undefined)) return session.fail(1008, 'Invalid API Key');
    let started = false;
    session.onMessage((data, isBinary) => {
      if (started) return;
      const request = isBinary ? undefined : parseJsonObject(data);
      if (!request) return session.fail(1003, 'Invalid payload: malformed JSON');
      const invalid = validationErrors(request);
      if (invalid[0]) return session.fail(1003, `${invalid[0].field}: ${invalid[0].message}`);
      started = true;
      const job = environment.jobs.create('gen_');
      if (!session.send({ type: 'started', generation_id: job.id, channel: `generation:${job.id}` })) return;
      // Raw PCM float32 LE, 24 kHz mono in the real service; here deterministic bytes, one chunk per word.
      const words = wordsOf(String(request['text']));
      for (const [index] of words.entries()) if (!session.send(fakeAudio(960, index))) return;
      // `completed` means the backup file is ready: its audio_url must serve it, as the CDN would.
      environment.jobs.complete(job);
      if (session.send({ type: 'completed', audio_url: audioUrl(job.id) })) session.finish();
    });
  }

  return {
    vendor: 'audixa',
    httpRoutes: [
      { endpoint: 'audixa.create', method: 'POST', path: /^\/v3\/tts$/, handle: create },
      { endpoint: 'audixa.poll', method: 'GET', path: /^\/v3\/tts$/, handle: poll },
      { endpoint: 'audixa.audio', method: 'GET', path: /^\/cdn\/([\w-]+)\.wav$/, handle: audio },
    ],
    wsRoutes: [{ endpoint: 'audixa.ws-stream', path: '/v3/tts/stream', handle: stream }],
    // A rate-limit answer says the window is spent and when it refills, as a real 429 would.
    errorReply: (purpose: ErrorPurpose, spec: ErrorSpec): HttpReply => {
      const reply = audixaErrorReply(purpose, spec);
      if (reply.status !== 429) return reply;
      const refillS = Math.ceil(environment.clock.now() / 1000 + (spec.retryAfterSeconds ?? 30));
      return {
        ...reply,
        headers: { ...reply.headers, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(refillS) },
      };
    },
    wsErrorMessage: (message) => JSON.stringify({ type: 'error', message }),
    streamErrorLine: (message) => JSON.stringify({ type: 'error', message }),
    // Documented "on every API response": a per-minute window on the simulator clock.
    commonHeaders(): Record<string, string> {
      const nowMs = environment.clock.now();
      if (nowMs >= windowStartMs + 60_000) {
        windowStartMs = nowMs - (nowMs % 60_000);
        requestsInWindow = 0;
      }
      requestsInWindow += 1;
      return {
        'x-ratelimit-limit': String(REQUESTS_PER_MINUTE),
        'x-ratelimit-remaining': String(Math.max(0, REQUESTS_PER_MINUTE - requestsInWindow)),
        'x-ratelimit-reset': String(Math.floor((windowStartMs + 60_000) / 1000)),
      };
    },
  };
}

/** Audixa's envelope: `{"detail": "..."}`; no machine-readable codes. */
function audixaErrorReply(purpose: ErrorPurpose, spec: ErrorSpec): HttpReply {
  const defaultStatus: Record<ErrorPurpose, number> = {
    error: 500,
    auth: 401,
    validation: 400,
    'not-found': 404,
    'rate-limit': 429,
    'warm-up': 503,
  };
  const status = spec.status ?? defaultStatus[purpose];
  const detail =
    spec.message ??
    // Audixa has no codes: any 429 is its rate limit, whichever fault sent it.
    (status === 429
      ? `Rate limit exceeded. Please retry after ${Math.ceil(spec.retryAfterSeconds ?? 30)} seconds.`
      : (DETAIL_BY_STATUS[status] ?? 'An unexpected error occurred. Please try again.'));
  return { status, contentType: 'application/json', body: JSON.stringify({ detail }) };
}

function validationErrors(
  request: Record<string, unknown> | undefined,
): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  if (typeof request?.['text'] !== 'string' || request['text'].length === 0) {
    errors.push({ field: 'text', message: 'Text is required' });
  }
  if (typeof request?.['voice_id'] !== 'string')
    errors.push({ field: 'voice_id', message: 'Invalid voice ID' });
  const model = request?.['model'];
  if (model !== undefined && model !== 'base' && model !== 'advanced') {
    errors.push({ field: 'model', message: "Model must be 'base' or 'advanced'" });
  }
  return errors;
}
