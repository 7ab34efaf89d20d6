import { randomBytes } from 'node:crypto';
import type { EndpointTable } from '../endpoint-kinds.js';
import type {
  ErrorPurpose,
  ErrorSpec,
  HttpContext,
  HttpReply,
  VendorEnvironment,
  VendorModule,
} from '../vendor-contract.js';
import { gradiumWsRoutes } from './gradium-ws.js';
import {
  apiKeyGuard,
  fakeAudio,
  headerValue,
  parseJsonObject,
  SIMULATED_TRANSCRIPT as GRADIUM_TRANSCRIPT,
  wordsOf,
} from './shared.js';

/** Gradium's endpoints, for fault plans and request logs. */
export const GRADIUM_ENDPOINTS = {
  'gradium.tts': { vendor: 'gradium', transport: 'http', phase: 'submit' },
  'gradium.asr': { vendor: 'gradium', transport: 'http', phase: 'submit' },
  'gradium.token': { vendor: 'gradium', transport: 'http', phase: 'submit' },
  'gradium.ws-tts': { vendor: 'gradium', transport: 'ws', phase: 'stream' },
  'gradium.ws-asr': { vendor: 'gradium', transport: 'ws', phase: 'stream' },
} as const satisfies EndpointTable;

/** Gradium: the messages that follow `error from server <code>:` by default (docs/vendor-docs/gradium-errors.txt). */
const GRADIUM_CODE_MESSAGES: Readonly<Record<string, string>> = {
  '1008': 'API key is revoked or expired',
  '1011': 'Internal server error',
};

const ASR_CONTENT_TYPES = new Set(['audio/wav', 'audio/pcm', 'audio/ogg', 'audio/opus']);

/** Gradium (docs.gradium.ai): REST TTS/ASR with NDJSON streams, WS TTS/ASR, single-use browser tokens. */
export function createGradiumVendor(
  environment: VendorEnvironment,
): VendorModule<keyof typeof GRADIUM_ENDPOINTS> {
  const browserTokens = new Set<string>();
  const vendor: VendorModule<keyof typeof GRADIUM_ENDPOINTS> = {
    vendor: 'gradium',
    httpRoutes: [
      { endpoint: 'gradium.tts', method: 'POST', path: /^\/api\/post\/speech\/tts$/, handle: (c) => tts(c) },
      { endpoint: 'gradium.asr', method: 'POST', path: /^\/api\/post\/speech\/asr$/, handle: (c) => asr(c) },
      { endpoint: 'gradium.token', method: 'GET', path: /^\/api\/api-keys\/token$/, handle: (c) => mint(c) },
    ],
    wsRoutes: gradiumWsRoutes(environment, browserTokens),
    errorReply: gradiumErrorReply,
    // Documented WS error: {"type":"error","message":…,"code":1008}, then the close.
    wsErrorMessage: (message, closeCode) => JSON.stringify({ type: 'error', message, code: closeCode }),
    // Documented REST in-stream error: no code field.
    streamErrorLine: (message) => JSON.stringify({ type: 'error', message }),
  };

  const authorized = apiKeyGuard(environment, 'x-api-key', () => gradiumErrorReply('auth', {}));

  function tts(context: HttpContext): void {
    if (!authorized(context)) return;
    const request = parseJsonObject(context.body);
    const text = request?.['text'];
    if (typeof text !== 'string' || text.length === 0) {
      return context.reply.send(gradiumErrorReply('validation', { message: 'missing or empty "text"' }));
    }
    const outputFormat = typeof request?.['output_format'] === 'string' ? request['output_format'] : 'wav';
    if (request?.['only_audio'] === true) {
      const audio = Buffer.concat(wordsOf(text).map((_, index) => fakeAudio(960, index)));
      return context.reply.send({ status: 200, contentType: audioContentType(outputFormat), body: audio });
    }
    const lines: string[] = [];
    wordsOf(text).forEach((word, index) => {
      lines.push(
        JSON.stringify({ type: 'text', text: word, start_s: index * 0.4, stop_s: index * 0.4 + 0.3 }),
      );
      lines.push(JSON.stringify({ type: 'audio', audio: fakeAudio(960, index).toString('base64') }));
    });
    lines.push(JSON.stringify({ type: 'end_of_stream' }));
    streamNdjson(context, lines);
  }

  function asr(context: HttpContext): void {
    if (!authorized(context)) return;
    const contentType = (headerValue(context.headers, 'content-type') ?? 'audio/wav').split(';')[0]!.trim();
    if (!ASR_CONTENT_TYPES.has(contentType)) {
      // Proxy-level rejection: raw text, no "error from server" prefix (documented example, typo included).
      return context.reply.send(rawText(`unsupported content type for SST '${contentType}'`));
    }
    const lines = GRADIUM_TRANSCRIPT.map((word, index) =>
      JSON.stringify({ type: 'text', text: word, start_s: index * 0.5 }),
    );
    lines.push(JSON.stringify({ type: 'end_text', stop_s: GRADIUM_TRANSCRIPT.length * 0.5 }));
    lines.push(JSON.stringify({ type: 'end_of_stream' }));
    streamNdjson(context, lines);
  }

  function mint(context: HttpContext): void {
    if (!authorized(context)) return;
    const token = `gtok_${randomBytes(12).toString('hex')}`;
    browserTokens.add(token);
    const expiresAt = new Date(environment.clock.now() + 3_600_000).toISOString();
    context.reply.json(200, { token, expires_at: expiresAt });
  }

  function streamNdjson(context: HttpContext, lines: readonly string[]): void {
    context.reply.streamLines(lines, {
      contentType: 'application/x-ndjson',
      streamError: context.claim('stream-error'),
      errorLine: vendor.streamErrorLine,
    });
  }

  return vendor;
}

/** Gradium sends every REST error as HTTP 500 plain text, `error from server <code>: <reason>` or raw proxy text. */
function gradiumErrorReply(purpose: ErrorPurpose, spec: ErrorSpec): HttpReply {
  switch (purpose) {
    case 'not-found':
      return rawText(spec.message ?? 'Not Found', spec.status ?? 404);
    case 'rate-limit':
      // Gradium documents no 429; this is the plain status a proxy would send.
      return rawText(spec.message ?? 'Too Many Requests', spec.status ?? 429);
    case 'warm-up':
      return rawText(spec.message ?? 'Service Unavailable', spec.status ?? 503);
    case 'auth':
      return serverError('1008', spec.message ?? GRADIUM_CODE_MESSAGES['1008']!, spec.status);
    case 'validation':
      return serverError('1008', spec.message ?? 'invalid request', spec.status);
    case 'error': {
      const code = spec.code ?? '1011';
      return serverError(code, spec.message ?? GRADIUM_CODE_MESSAGES[code] ?? 'error', spec.status);
    }
  }
}

function serverError(code: string, message: string, status = 500): HttpReply {
  return { ...rawText(`error from server ${code}: ${message}`, status), code };
}

function rawText(text: string, status = 500): HttpReply {
  return { status, contentType: 'text/plain; charset=utf-8', body: text };
}

function audioContentType(outputFormat: string): string {
  if (outputFormat === 'wav') return 'audio/wav';
  if (outputFormat.startsWith('pcm')) return 'audio/pcm';
  if (outputFormat === 'opus') return 'audio/ogg';
  return 'application/octet-stream';
}
