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
import { authorizationKey, credentialAccepted, parseJsonObject, SIMULATED_TRANSCRIPT } from './shared.js';

/** ELSA's endpoints, for fault plans and request logs. */
export const ELSA_ENDPOINTS = {
  'elsa.score-audio': { vendor: 'elsa', transport: 'http', phase: 'submit' },
  'elsa.score-audio-plus': { vendor: 'elsa', transport: 'http', phase: 'submit' },
  'elsa.ws-score-audio': { vendor: 'elsa', transport: 'ws', phase: 'stream' },
} as const satisfies EndpointTable;

/**
 * ELSA: exception name → [status chosen by the simulator, documented message]
 * (docs/vendor-docs/elsa-errors.txt, docs/vendor-docs/VENDORS.md §2). ELSA does not document statuses.
 */
const ELSA_EXCEPTIONS: Readonly<Record<string, readonly [number, string]>> = {
  ASRInterProcessException: [500, 'exception in ASR: worker crashed'],
  ASRSocketTimeout: [500, 'ASR timeout'],
  ASRConnectionFailed: [500, 'ASR Connection Failed'],
  FailedToReadAudioFromURL: [400, 'Failed to read audio from the URL'],
  FailedToParseAudioHeader: [400, 'Failed to parse audio header'],
  InvalidAudioFormat: [400, 'Only 16 kHz mono WAV, FLAC or OGG-Opus audio allowed'],
  FailedToConvertAudio: [400, 'The server failed to parse your wav audio'],
  FailedToDecodeAudioFromBytes: [400, 'Failed to decode audio'],
  MissingAudioParam: [400, 'Missing audio param!'],
  AudioTooBigForSync: [400, 'Audio is too big for sync mode, please change to async mode'],
  FailedToUseAudio: [
    400,
    "An unexpected error occurred while processing the audio. Please check if the audio is valid and it's not corrupted.",
  ],
  NoTokenProvided: [401, 'No session token provided'],
  InvalidSessionToken: [401, 'Invalid session token: [REDACTED]'],
  UserDoesNotExist: [401, 'Could not find client ID'],
  ClientIsNotActive: [403, 'Client with client is not active'],
  ClientDoesNotHaveAccess: [403, 'User client does not have access for this API'],
  ClientHasNoMoreMinutes: [403, 'User has no remaining minutes'],
  InvalidHeaderParameter: [401, 'A valid authorization header is required'],
};

/** ELSA API: scripted and unscripted scoring over REST, scripted streaming over WS. */
export function createElsaVendor(environment: VendorEnvironment): VendorModule<keyof typeof ELSA_ENDPOINTS> {
  const authorized = (context: HttpContext): boolean => {
    const key = authorizationKey(context.headers);
    if (key !== undefined && credentialAccepted(environment, key)) return true;
    context.reply.send(
      elsaErrorReply('auth', { code: key === undefined ? 'InvalidHeaderParameter' : undefined }),
    );
    return false;
  };

  const score = (kind: 'scripted' | 'unscripted') => (context: HttpContext) => {
    if (!authorized(context)) return;
    if (context.body.length === 0) return context.reply.send(elsaErrorReply('validation', {}));
    const sentence = multipartField(context.body, 'sentence') ?? SIMULATED_TRANSCRIPT.join(' ');
    context.reply.json(200, scoreResult(kind, sentence));
  };

  return {
    vendor: 'elsa',
    httpRoutes: [
      {
        endpoint: 'elsa.score-audio',
        method: 'POST',
        path: /^\/api\/v2\/score_audio$/,
        handle: score('scripted'),
      },
      {
        endpoint: 'elsa.score-audio-plus',
        method: 'POST',
        path: /^\/api\/v1\/score_audio_plus$/,
        handle: score('unscripted'),
      },
    ],
    wsRoutes: [
      {
        endpoint: 'elsa.ws-score-audio',
        path: '/api/v2/ws/score_audio',
        handle: (session, context) => scriptedStream(session, context, environment),
      },
    ],
    errorReply: elsaErrorReply,
    wsErrorMessage: (message) => JSON.stringify({ type: 'ELSA:error', message }),
    streamErrorLine: (message) => JSON.stringify({ type: 'ELSA:error', message }),
  };
}

/**
 * Scripted streaming as in ELSA's sample client: `ELSA:start_stream` → `ELSA:start_stream_result`, binary
 * audio (acknowledged), `ELSA:end_stream` → `ELSA:decoding_result` with `stream_finished`. ELSA documents
 * no close codes; the simulator closes with 1008 on auth and protocol errors.
 */
function scriptedStream(session: WsSession, context: WsContext, environment: VendorEnvironment): void {
  const key = authorizationKey(context.headers);
  if (key === undefined || !credentialAccepted(environment, key)) {
    return session.fail(1008, ELSA_EXCEPTIONS['InvalidHeaderParameter']![1], 'InvalidHeaderParameter');
  }
  let sentence: string | undefined;
  session.onMessage((data, isBinary) => {
    if (isBinary) {
      if (sentence === undefined) return session.fail(1008, 'ELSA:start_stream must come first');
      session.send({ type: 'ELSA:audioACK', data: { bytes: data.length } });
      return;
    }
    const message = parseJsonObject(data);
    if (message?.['type'] === 'ELSA:start_stream') {
      const info = (message['data'] as { stream_info?: { sentence?: unknown } } | undefined)?.stream_info;
      sentence = typeof info?.sentence === 'string' ? info.sentence : SIMULATED_TRANSCRIPT.join(' ');
      session.send({ type: 'ELSA:start_stream_result', data: { status: 'success' } });
    } else if (message?.['type'] === 'ELSA:end_stream' && sentence !== undefined) {
      const result = { ...scoreResult('scripted', sentence), stream_finished: true };
      if (session.send({ type: 'ELSA:decoding_result', data: result })) session.finish();
    } else {
      session.fail(1008, ELSA_EXCEPTIONS['MissingAudioParam']![1], 'MissingAudioParam');
    }
  });
}

/** ELSA's documented HTTP error schema, `{"error":{"code":0,"message":…,"errors":[]}}`; `code` is the exception. */
function elsaErrorReply(purpose: ErrorPurpose, spec: ErrorSpec): HttpReply {
  const defaults: Record<ErrorPurpose, [string | undefined, number, string]> = {
    error: [undefined, 500, 'Internal Server Error'],
    auth: ['InvalidSessionToken', 401, ''],
    validation: ['MissingAudioParam', 400, ''],
    'not-found': [undefined, 404, 'The resources were not found.'],
    // ELSA documents no 429 or 503; these are plain statuses in its schema.
    'rate-limit': [undefined, 429, 'Too many requests'],
    'warm-up': [undefined, 503, 'Service unavailable'],
  };
  const [defaultCode, defaultStatus, defaultMessage] = defaults[purpose];
  const code = spec.code ?? defaultCode;
  const known = code === undefined ? undefined : ELSA_EXCEPTIONS[code];
  const status = spec.status ?? known?.[0] ?? defaultStatus;
  const message = spec.message ?? known?.[1] ?? defaultMessage;
  const body = JSON.stringify({ error: { code: 0, message, errors: [] } });
  return { status, contentType: 'application/json', body, code };
}

function scoreResult(kind: 'scripted' | 'unscripted', sentence: string): Record<string, unknown> {
  const words = sentence.split(/\s+/).filter(Boolean);
  return {
    success: true,
    api_plan: 'standard',
    mode: kind,
    utterance: [
      { sentence, nativeness_score: 87.5, words: words.map((text) => ({ text, nativeness_score: 90 })) },
    ],
  };
}

/** The value of a simple text field in a multipart body, if present. */
function multipartField(body: Buffer, name: string): string | undefined {
  const match = new RegExp(`name="${name}"\\r?\\n(?:[^\\r\\n]+\\r?\\n)*\\r?\\n([^\\r\\n]*)`).exec(
    body.toString('latin1'),
  );
  return match?.[1];
}
