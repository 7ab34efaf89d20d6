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
import { apiKeyGuard, fakeAudio, parseJsonObject } from './shared.js';

/** Breeze's endpoints, for fault plans and request logs. */
export const BREEZE_ENDPOINTS = {
  'breeze.tts': { vendor: 'breeze', transport: 'http', phase: 'submit' },
  'breeze.job': { vendor: 'breeze', transport: 'http', phase: 'poll' },
  'breeze.job-audio': { vendor: 'breeze', transport: 'http', phase: 'poll' },
} as const satisfies EndpointTable;

/**
 * Breeze: every row of the error reference (code → [status, default message]), so a fault can name
 * just the code (docs/vendor-docs/breeze-errors.txt, docs/vendor-docs/VENDORS.md §5).
 */
const BREEZE_CODES: Readonly<Record<string, readonly [number, string]>> = {
  BAD_REQUEST: [400, 'The request is invalid.'],
  AUTH_INVALID_SESSION: [401, 'Invalid session.'],
  AUTH_REQUIRED: [401, 'Authentication required.'],
  AUTH_SESSION_EXPIRED: [401, 'Session expired.'],
  AUTH_USER_UNAVAILABLE: [401, 'User not available.'],
  BILLING_INSUFFICIENT_CREDITS: [402, 'Insufficient credits.'],
  AUTH_ADMIN_ACCESS_DENIED: [403, 'Admin console access denied.'],
  AUTH_ADMIN_ROLE_REQUIRED: [403, 'Admin role required.'],
  FORBIDDEN: [403, 'Forbidden.'],
  RESOURCE_NOT_FOUND: [404, 'Resource not found.'],
  CONFLICT: [409, 'The request conflicts with current state.'],
  STUDIO_AUDIO_EXPORT_BLOCKED: [409, 'Studio audio export is blocked by missing or stale clips.'],
  STUDIO_AUDIO_EXPORT_INCOMPATIBLE_AUDIO: [
    422,
    'Studio audio export requires compatible PCM WAV clip audio.',
  ],
  STUDIO_AUDIO_EXPORT_NO_AUDIO: [422, 'Studio audio export has no clip audio to export.'],
  STUDIO_AUDIO_EXPORT_UNSUPPORTED_SOURCE: [422, 'Studio audio export requires supported clip audio sources.'],
  VALIDATION_ERROR: [422, 'Request validation failed.'],
  GENERATION_NOT_READY: [425, 'Generation is not ready yet.'],
  GENERATION_CONCURRENCY_EXCEEDED: [
    429,
    "Your plan's concurrent generation limit was reached. Please retry shortly.",
  ],
  RATE_LIMITED: [429, 'Rate limit exceeded.'],
  INTERNAL_ERROR: [500, 'Internal server error.'],
  STUDIO_AUDIO_EXPORT_FAILED: [500, 'Studio audio export failed.'],
  GENERATION_FAILED: [502, 'Generation failed.'],
  GENERATION_INVALID_RESPONSE: [502, 'Generation service returned an invalid response.'],
  UPSTREAM_ANALYTICS_ERROR: [502, 'Analytics service request failed.'],
  UPSTREAM_BILLING_ERROR: [502, 'Billing service request failed.'],
  UPSTREAM_GENERATION_ERROR: [502, 'Generation service request failed.'],
  UPSTREAM_GENERATION_SERVICE_ERROR: [502, 'Generation service request failed.'],
  VOICE_CLONE_FAILED: [502, 'Voice clone failed.'],
  VOICE_DESIGN_FAILED: [502, 'Voice design failed.'],
  AUTH_CONFIG_MISSING: [503, 'Authentication is not configured correctly.'],
  GENERATION_CAPACITY_EXCEEDED: [
    503,
    'Generation capacity is currently exhausted. Please try again shortly.',
  ],
  LLM_CONFIG_NOT_FOUND: [503, 'LLM feature is not configured.'],
  STUDIO_AUDIO_EXPORT_ASSET_READ_FAILED: [503, 'Studio audio export could not read clip audio from storage.'],
  STUDIO_AUDIO_EXPORT_ASSET_WRITE_FAILED: [503, 'Studio audio export could not write the result to storage.'],
  STUDIO_AUDIO_EXPORT_STORAGE_UNCONFIGURED: [503, 'Studio audio export storage is not configured.'],
  UPSTREAM_ASSET_STORAGE_ERROR: [503, 'Audio asset storage failed.'],
  GENERATION_TIMEOUT: [504, 'Generation timed out. Please try again.'],
  UPSTREAM_TIMEOUT: [504, 'Upstream request timed out.'],
};

const OUTPUT_FORMATS = new Set(['mp3', 'wav', 'flac', 'pcm', 'aac', 'opus']);

/** Seconds announced in Retry-After while an async job is still active. */
const NOT_READY_RETRY_AFTER_SECONDS = 1;

/** Breeze TTS: sync/async text-to-speech, generation-job polling and the 425 audio download. */
export function createBreezeVendor(
  environment: VendorEnvironment,
): VendorModule<keyof typeof BREEZE_ENDPOINTS> {
  const { jobs } = environment;

  const authorized = apiKeyGuard(environment, 'xi-api-key', () => breezeErrorReply('auth', {}));

  function textToSpeech(context: HttpContext): void {
    if (!authorized(context)) return;
    const request = parseJsonObject(context.body);
    const text = request?.['text'];
    const format = request?.['output_format'] ?? context.url.searchParams.get('output_format') ?? 'mp3';
    if (
      typeof text !== 'string' ||
      text.length === 0 ||
      typeof format !== 'string' ||
      !OUTPUT_FORMATS.has(format)
    ) {
      return context.reply.send(breezeErrorReply('validation', {}));
    }
    const delivery = request?.['delivery'] ?? context.url.searchParams.get('delivery') ?? 'sync';
    if (delivery === 'async') {
      const failure = context.claim('job-failure');
      const job = jobs.create('gen_', failure && { code: failure.code, message: failure.message });
      return context.reply.json(202, {
        generation_job_id: job.id,
        history_item_id: job.id,
        status: 'active',
      });
    }
    const audio = fakeAudio(2048, text.length);
    context.reply.send({
      status: 200,
      contentType: audioType(format),
      body: audio,
      headers: { 'history-item-id': 'hist_sync' },
    });
  }

  function job(context: HttpContext): void {
    if (!authorized(context)) return;
    const found = jobs.get(context.params[0] ?? '');
    if (!found) return context.reply.send(breezeErrorReply('not-found', {}));
    jobs.advance(found);
    context.reply.json(200, jobBody(found), { 'x-breeze-api-key-id': 'key_simulated' });
  }

  function jobAudio(context: HttpContext): void {
    if (!authorized(context)) return;
    const found = jobs.get(context.params[0] ?? '');
    if (!found) return context.reply.send(breezeErrorReply('not-found', {}));
    const state = jobs.advance(found);
    if (state === 'done')
      return context.reply.send({ status: 200, contentType: 'audio/mpeg', body: fakeAudio(2048, 1) });
    if (state === 'failed') {
      return context.reply.send(
        breezeErrorReply('error', { code: failureCode(found), message: found.failure?.message }),
      );
    }
    // Documented: "Active jobs return GENERATION_NOT_READY with Retry-After."
    const reply = breezeErrorReply('error', { code: 'GENERATION_NOT_READY' });
    context.reply.send({ ...reply, headers: { 'retry-after': String(NOT_READY_RETRY_AFTER_SECONDS) } });
  }

  function jobBody(found: SimulatedJob): Record<string, unknown> {
    const base = { generation_job_id: found.id, history_item_id: found.id };
    if (found.state === 'done') {
      const downloadUrl = `${environment.baseUrl()}/v1/generation-jobs/${found.id}/audio`;
      return { ...base, status: 'ready', state: 'completed', download_url: downloadUrl };
    }
    if (found.state === 'failed') {
      const detail = found.failure?.message ?? BREEZE_CODES[failureCode(found)]?.[1] ?? 'Generation failed.';
      return {
        ...base,
        status: 'failed',
        state: 'failed',
        download_url: null,
        error: { code: failureCode(found), detail },
      };
    }
    return { ...base, status: 'active', state: found.state, download_url: null };
  }

  return {
    vendor: 'breeze',
    httpRoutes: [
      {
        endpoint: 'breeze.tts',
        method: 'POST',
        path: /^\/v1\/text-to-speech\/([\w-]+)$/,
        handle: textToSpeech,
      },
      { endpoint: 'breeze.job', method: 'GET', path: /^\/v1\/generation-jobs\/([\w-]+)$/, handle: job },
      {
        endpoint: 'breeze.job-audio',
        method: 'GET',
        path: /^\/v1\/generation-jobs\/([\w-]+)\/audio$/,
        handle: jobAudio,
      },
    ],
    wsRoutes: [],
    errorReply: breezeErrorReply,
    // Documented: "Active jobs return GENERATION_NOT_READY with Retry-After" (the only code with one).
    documentedRetryAfterSeconds: (code) =>
      code === 'GENERATION_NOT_READY' ? NOT_READY_RETRY_AFTER_SECONDS : undefined,
    wsErrorMessage: (message) =>
      JSON.stringify({ ok: false, code: 'INTERNAL_ERROR', detail: message, error: message }),
    streamErrorLine: (message) =>
      JSON.stringify({ ok: false, code: 'INTERNAL_ERROR', detail: message, error: message }),
  };
}

function failureCode(job: SimulatedJob): string {
  return job.failure?.code ?? 'GENERATION_FAILED';
}

/** Breeze's envelope `{"ok":false,"code","detail","error"}` with the documented status for the code. */
function breezeErrorReply(purpose: ErrorPurpose, spec: ErrorSpec): HttpReply {
  const defaults: Record<ErrorPurpose, string> = {
    error: 'INTERNAL_ERROR',
    auth: 'AUTH_REQUIRED',
    validation: 'VALIDATION_ERROR',
    'not-found': 'RESOURCE_NOT_FOUND',
    'rate-limit': 'RATE_LIMITED',
    'warm-up': 'GENERATION_CAPACITY_EXCEEDED',
  };
  const code = spec.code ?? defaults[purpose];
  const known = BREEZE_CODES[code];
  const status = spec.status ?? known?.[0] ?? 500;
  const detail = spec.message ?? known?.[1] ?? 'Internal server error.';
  return {
    status,
    contentType: 'application/json',
    body: JSON.stringify({ ok: false, code, detail, error: detail }),
    code,
  };
}

function audioType(format: string): string {
  if (format === 'mp3') return 'audio/mpeg';
  if (format === 'pcm') return 'audio/pcm';
  return `audio/${format}`;
}
