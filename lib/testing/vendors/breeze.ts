import type { SimulatedJob } from '../job-store.js';
import { BREEZE_CODES } from '../vendor-catalogs.js';
import type {
  ErrorPurpose,
  ErrorSpec,
  HttpContext,
  HttpReply,
  VendorEnvironment,
  VendorModule,
} from '../vendor-contract.js';
import { apiKeyGuard, fakeAudio, parseJsonObject } from './shared.js';

const OUTPUT_FORMATS = new Set(['mp3', 'wav', 'flac', 'pcm', 'aac', 'opus']);

/** Seconds announced in Retry-After while an async job is still active. */
const NOT_READY_RETRY_AFTER_SECONDS = 1;

/** Breeze TTS: sync/async text-to-speech, generation-job polling and the 425 audio download. */
export function createBreezeVendor(environment: VendorEnvironment): VendorModule {
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
